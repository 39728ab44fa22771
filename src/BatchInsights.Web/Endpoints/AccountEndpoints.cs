using System.Security.Claims;
using BatchInsights.Core.Access;
using BatchInsights.Web.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace BatchInsights.Web.Endpoints;

/// <summary>
/// Sign-in and sign-out (form posts with antiforgery), the OpenID Connect callback, a user's own API tokens, the
/// Admin's user list, and GET /api/v1/me. Role checks on these are declared here; the schemes live in AccessExtensions.
/// </summary>
public static class AccountEndpoints
{
    private const string LoginPath = AccessExtensions.LoginPath;
    private const string OidcScheme = AccessExtensions.OidcScheme;

    /// <summary>Sign-in and sign-out (form posts with antiforgery), OpenID Connect, and GET /api/v1/me.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/account").AllowAnonymous().ExcludeFromDescription();
        account.MapPost("/login", SignInAsync);
        account.MapPost("/logout", SignOutAsync);
        account.MapGet("/login/oidc", (string? returnUrl) => Results.Challenge(
            new AuthenticationProperties { RedirectUri = $"/account/login/oidc/callback?returnUrl={Uri.EscapeDataString(AccessExtensions.LocalOrRoot(returnUrl))}" },
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

    private static async Task<IResult> SignInAsync(
        [FromForm] string? userName, [FromForm] string? password, [FromForm] string? returnUrl,
        SignInManager<AppUser> signIn, UserManager<AppUser> users, TimeProvider clock, ILoggerFactory loggers)
    {
        var back = AccessExtensions.LocalOrRoot(returnUrl);
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
        return Results.LocalRedirect(AccessExtensions.LocalOrRoot(returnUrl));
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
