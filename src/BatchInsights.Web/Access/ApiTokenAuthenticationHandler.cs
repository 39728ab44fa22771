using System.Security.Claims;
using System.Text.Encodings.Web;
using BatchInsights.Core.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace BatchInsights.Web.Access;

/// <summary>
/// "Authorization: Bearer bi_…" on the JSON API: the token's owner, with the owner's current roles. A revoked, expired
/// or unknown token, or a locked owner, is refused with 401 and a reason in WWW-Authenticate.
/// </summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokens tokens,
    UserManager<AppUser> users,
    IUserClaimsPrincipalFactory<AppUser> principals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    private string? _failure;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AccessExtensions.TryGetBearer(Request, out var token))
        {
            return AuthenticateResult.NoResult();
        }

        var userId = await tokens.FindUserIdAsync(token, Context.RequestAborted);
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        if (user is null)
        {
            return Fail("the API token is unknown, revoked or expired; create a new one on your Account page");
        }

        if (await users.IsLockedOutAsync(user))
        {
            return Fail($"the account {user.UserName} that owns this token is locked");
        }

        var principal = await principals.CreateAsync(user);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim("auth_method", SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(principal.Claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = _failure is null
            ? "Bearer realm=\"BatchInsights\""
            : $"Bearer realm=\"BatchInsights\", error=\"invalid_token\", error_description=\"{_failure}\"";
        return Task.CompletedTask;
    }

    private AuthenticateResult Fail(string reason)
    {
        _failure = reason;
        Logger.LogInformation("API token refused for {Path}: {Reason}", Request.Path, reason);
        return AuthenticateResult.Fail(reason);
    }
}
