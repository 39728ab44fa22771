using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using BatchInsights.Core.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;

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
}
