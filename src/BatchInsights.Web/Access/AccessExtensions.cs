using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using BatchInsights.Core.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace BatchInsights.Web.Access;

/// <summary>
/// Sign-in (local accounts, optional OpenID Connect), the session cookie or a personal API token on the JSON API, and
/// the three role policies (Viewer, Operator, Admin) that every page and endpoint is checked against on the server.
/// </summary>
public static class AccessExtensions
{
    public const string SmartScheme = "BatchInsights";
    public const string OidcScheme = "oidc";
    public const string LoginPath = "/account/login";

    public static WebApplicationBuilder AddBatchInsightsAccess(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAccess();
        var oidc = builder.Configuration.GetSection(AccessOptions.Section).Get<AccessOptions>()?.Oidc ?? new OidcOptions();

        var auth = services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
                o.DefaultForbidScheme = SmartScheme;
            })
            .AddPolicyScheme(SmartScheme, "Cookie or API token", o => o.ForwardDefaultSelector = ctx =>
                TryGetBearer(ctx.Request, out _) ? ApiTokenAuthenticationHandler.SchemeName : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        auth.AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "BatchInsights.Auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = LoginPath;
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/access-denied";
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
            // The JSON API answers 401/403; only pages redirect to the sign-in page.
            o.Events.OnRedirectToLogin = ctx => ApiOr(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiOr(ctx, StatusCodes.Status403Forbidden);
        });
        // A role change, lock or password reset ends the user's other sessions within a minute.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        if (oidc.Enabled)
        {
            auth.AddOpenIdConnect(OidcScheme, oidc.DisplayName, o =>
            {
                o.Authority = oidc.Authority;
                o.ClientId = oidc.ClientId;
                o.ClientSecret = oidc.ClientSecret;
                o.ResponseType = "code";
                o.UsePkce = true;
                o.SignInScheme = IdentityConstants.ExternalScheme;
                o.GetClaimsFromUserInfoEndpoint = true;
                o.MapInboundClaims = false;
                o.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile", "email" })
                {
                    o.Scope.Add(scope);
                }

                o.RequireHttpsMetadata = oidc.Authority!.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            });
        }

        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Viewer, p => p.RequireRole(Roles.Satisfying(Roles.Viewer)))
            .AddPolicy(Roles.Operator, p => p.RequireRole(Roles.Satisfying(Roles.Operator)))
            .AddPolicy(Roles.Admin, p => p.RequireRole(Roles.Satisfying(Roles.Admin)));
        services.AddCascadingAuthenticationState();
        return builder;
    }

    /// <summary>Creates the roles and, on a first start, the first admin. Runs after the database migration.</summary>
    public static async Task EnsureInitialAdminAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Users>().EnsureInitialAdminAsync();
    }

    /// <summary>Sign-in and sign-out (form posts with antiforgery), OpenID Connect, and GET /api/v1/me.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account").AllowAnonymous().ExcludeFromDescription();
        account.MapPost("/login", SignInAsync);
        account.MapPost("/logout", SignOutAsync);
        account.MapGet("/login/oidc", (string? returnUrl) => Results.Challenge(
            new AuthenticationProperties { RedirectUri = $"/account/login/oidc/callback?returnUrl={Uri.EscapeDataString(LocalOrRoot(returnUrl))}" },
            [OidcScheme]));
        account.MapGet("/login/oidc/callback", OidcCallbackAsync);
        var api = endpoints.MapGroup("/api/v1").WithTags("Access").RequireAuthorization(Roles.Viewer);
        api.MapGet("/me", Me).WithName("Me").WithSummary("Who the cookie or API token is, and their role.");
        // A user's own tokens: every signed-in user, Viewers included, may manage their own.
        api.MapGet("/tokens", ListTokensAsync).WithName("ListApiTokens").WithSummary("Your API tokens (never the token itself).");
        api.MapPost("/tokens", CreateTokenAsync).WithName("CreateApiToken")
            .WithSummary("Creates a personal API token for you; the answer is the only time the token is shown. Use it as `Authorization: Bearer <token>`.");
        api.MapDelete("/tokens/{id:long}", RevokeTokenAsync).WithName("RevokeApiToken").WithSummary("Revokes one of your tokens.");
        api.MapGet("/users", ListUsersAsync).WithName("ListUsers").RequireAuthorization(Roles.Admin);
        api.MapPost("/users", CreateUserAsync).WithName("CreateUser").RequireAuthorization(Roles.Admin)
            .WithSummary("Creates a local account with a role (Viewer, Operator, Admin); the answer carries its generated password, once.");
        return endpoints;
    }

    /// <summary>The name the audit log records for the signed-in user or token owner.</summary>
    public static string ActorName(this ClaimsPrincipal user) =>
        user.Identity?.Name is { Length: > 0 } name
            ? (user.FindFirst("auth_method")?.Value == ApiTokenAuthenticationHandler.SchemeName ? $"{name} (API token)" : name)
            : "unknown";

    public static string? RoleOf(this ClaimsPrincipal user) => Roles.All.LastOrDefault(user.IsInRole);

    internal static bool TryGetBearer(HttpRequest request, [NotNullWhen(true)] out string? token)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
            return token.Length > 0;
        }

        token = null;
        return false;
    }

    internal static string LocalOrRoot(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";

    private static Task ApiOr(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/hangfire/stats"))
        {
            ctx.Response.StatusCode = status;
        }
        else
        {
            ctx.Response.Redirect(ctx.RedirectUri);
        }

        return Task.CompletedTask;
    }

    private static async Task<IResult> SignInAsync(
        [FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl,
        SignInManager<AppUser> signIn, UserManager<AppUser> users, TimeProvider clock, ILoggerFactory loggers)
    {
        var back = LocalOrRoot(returnUrl);
        string Retry(string error) => $"{LoginPath}?error={error}&returnUrl={Uri.EscapeDataString(back)}";
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
        {
            return Results.Redirect(Retry("missing"));
        }

        var result = await signIn.PasswordSignInAsync(userName.Trim(), password, isPersistent: false, lockoutOnFailure: true);
        var log = loggers.CreateLogger("BatchInsights.Access");
        if (result.IsLockedOut)
        {
            log.LogWarning("Sign-in refused for {User}: the account is locked", userName);
            return Results.Redirect(Retry("locked"));
        }

        if (!result.Succeeded)
        {
            log.LogInformation("Sign-in failed for {User}: wrong user name or password", userName);
            return Results.Redirect(Retry("invalid"));
        }

        if (await users.FindByNameAsync(userName.Trim()) is { } user)
        {
            user.LastSignInAt = clock.GetUtcNow().UtcDateTime;
            await users.UpdateAsync(user);
        }

        log.LogInformation("{User} signed in", userName);
        return Results.LocalRedirect(back);
    }

    private static async Task<IResult> SignOutAsync(SignInManager<AppUser> signIn)
    {
        await signIn.SignOutAsync();
        return Results.Redirect(LoginPath);
    }

    private static async Task<IResult> OidcCallbackAsync(
        string? returnUrl, HttpContext http, SignInManager<AppUser> signIn, UserManager<AppUser> users,
        Microsoft.Extensions.Options.IOptions<AccessOptions> options, TimeProvider clock, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger("BatchInsights.Access");
        var external = await http.AuthenticateAsync(IdentityConstants.ExternalScheme);
        if (!external.Succeeded || external.Principal.FindFirst("sub")?.Value is not { Length: > 0 } subject)
        {
            log.LogWarning("OpenID Connect sign-in returned no subject: {Failure}", external.Failure?.Message);
            return Results.Redirect($"{LoginPath}?error=oidc");
        }

        var principal = external.Principal;
        var oidc = options.Value.Oidc;
        var role = oidc.RoleFor(principal.FindAll(oidc.RoleClaim).Select(c => c.Value));
        await http.SignOutAsync(IdentityConstants.ExternalScheme);
        if (role is null)
        {
            log.LogWarning("OpenID Connect user {Subject} refused: no {Claim} value maps to a role (Auth:Oidc:RoleMap) and Auth:Oidc:DefaultRole is empty", subject, oidc.RoleClaim);
            return Results.Redirect($"{LoginPath}?error=oidc-role");
        }

        var user = await users.FindByLoginAsync(OidcScheme, subject);
        if (user is null)
        {
            var name = principal.FindFirst("preferred_username")?.Value ?? principal.FindFirst("email")?.Value ?? $"oidc-{subject}";
            if (await users.FindByNameAsync(name) is not null)
            {
                name = $"{name}@{OidcScheme}";
            }

            user = new AppUser { UserName = name, Email = principal.FindFirst("email")?.Value, CreatedAt = clock.GetUtcNow().UtcDateTime };
            var created = await users.CreateAsync(user);
            if (!created.Succeeded)
            {
                log.LogError("Could not create the local record of OpenID Connect user {Name}: {Errors}", name, string.Join(" ", created.Errors.Select(e => e.Description)));
                return Results.Redirect($"{LoginPath}?error=oidc");
            }

            await users.AddLoginAsync(user, new UserLoginInfo(OidcScheme, subject, oidc.DisplayName));
        }

        if (await users.IsLockedOutAsync(user))
        {
            return Results.Redirect($"{LoginPath}?error=locked");
        }

        // The provider is the source of truth for its users' role: re-read on every sign-in.
        var current = await users.GetRolesAsync(user);
        if (current.Count != 1 || current[0] != role)
        {
            await users.RemoveFromRolesAsync(user, current);
            await users.AddToRoleAsync(user, role);
        }

        user.LastSignInAt = clock.GetUtcNow().UtcDateTime;
        await users.UpdateAsync(user);
        await signIn.SignInAsync(user, isPersistent: false, OidcScheme);
        log.LogInformation("{User} signed in through OpenID Connect as {Role}", user.UserName, role);
        return Results.LocalRedirect(LocalOrRoot(returnUrl));
    }

    public sealed record CreateTokenBody(string? Name = null, int? ValidDays = null);

    public sealed record CreateUserBody(string? UserName = null, string? Role = null);

    private static string UserId(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";

    private static async Task<IResult> ListTokensAsync(ClaimsPrincipal user, ApiTokens tokens, CancellationToken cancellationToken) =>
        Results.Ok(await tokens.ListAsync(UserId(user), cancellationToken));

    private static async Task<IResult> CreateTokenAsync(ClaimsPrincipal user, CreateTokenBody body, ApiTokens tokens,
        Microsoft.Extensions.Options.IOptions<AccessOptions> options, CancellationToken cancellationToken)
    {
        try
        {
            var created = await tokens.CreateAsync(UserId(user), body.Name ?? "", body.ValidDays ?? options.Value.DefaultTokenDays, cancellationToken);
            return Results.Created($"/api/v1/tokens/{created.Info.Id}", new { created.Info.Id, created.Info.Name, created.Token, created.Info.ExpiresAt });
        }
        catch (ArgumentException e)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { [e.ParamName ?? "body"] = [e.Message] });
        }
    }

    private static async Task<IResult> RevokeTokenAsync(ClaimsPrincipal user, long id, ApiTokens tokens, CancellationToken cancellationToken) =>
        await tokens.RevokeAsync(UserId(user), id, cancellationToken) ? Results.NoContent() : Results.NotFound();

    private static async Task<IResult> ListUsersAsync(Users users) => Results.Ok(await users.ListAsync());

    private static async Task<IResult> CreateUserAsync(CreateUserBody body, Users users)
    {
        var result = await users.CreateAsync(body.UserName ?? "", body.Role ?? "");
        return result.Succeeded
            ? Results.Created("/api/v1/users", new { userName = body.UserName?.Trim(), role = Roles.Parse(body.Role), password = result.Password })
            : Results.ValidationProblem(new Dictionary<string, string[]> { ["user"] = [result.Message] });
    }

    private static IResult Me(ClaimsPrincipal user) =>
        Results.Ok(new { userName = user.Identity?.Name, role = user.RoleOf(), viaApiToken = user.FindFirst("auth_method")?.Value == ApiTokenAuthenticationHandler.SchemeName });
}
