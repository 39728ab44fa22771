using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Access;

/// <summary>The "Auth" section: the first admin account and the optional OpenID Connect provider.</summary>
public sealed class AccessOptions
{
    public const string Section = "Auth";

    /// <summary>User name of the admin account created on the first start (when the database has no user yet).</summary>
    public string InitialAdminUser { get; set; } = "admin";

    /// <summary>
    /// Password of that first admin. Unset: a random one is generated and written once to the log (warning level);
    /// sign in with it and change it, or create your own accounts and lock this one.
    /// </summary>
    public string? InitialAdminPassword { get; set; }

    /// <summary>Days a new API token stays valid when its creator gives no expiry (0 = never expires).</summary>
    public int DefaultTokenDays { get; set; } = 90;

    public OidcOptions Oidc { get; set; } = new();
}

/// <summary>"Auth:Oidc": sign-in through an OpenID Connect identity provider, beside (or instead of) local accounts.</summary>
public sealed class OidcOptions
{
    /// <summary>Issuer URL (e.g. https://login.example.com/realms/ops). Unset: OpenID Connect is off.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>Label of the button on the sign-in page.</summary>
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>The claim that carries the user's groups or roles at the provider.</summary>
    public string RoleClaim { get; set; } = "groups";

    /// <summary>
    /// Provider claim value → our role (Viewer, Operator, Admin), e.g. "Auth:Oidc:RoleMap:batch-admins" = "Admin".
    /// A user matching several gets the highest.
    /// </summary>
    public Dictionary<string, string> RoleMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Role of a signed-in provider user whose claims match no entry of <see cref="RoleMap"/>; empty = refused.</summary>
    public string? DefaultRole { get; set; } = Roles.Viewer;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>The role the provider's claim values give: the highest mapped one, else <see cref="DefaultRole"/>.</summary>
    public string? RoleFor(IEnumerable<string> claimValues)
    {
        var mapped = claimValues
            .Select(v => RoleMap.TryGetValue(v, out var role) ? Roles.Parse(role) : null)
            .Where(r => r is not null)
            .Select(r => r!)
            .ToList();
        if (mapped.Count > 0)
        {
            return Roles.All.Last(mapped.Contains);
        }

        return Roles.Parse(DefaultRole);
    }
}

internal sealed class ValidateAccessOptions : IValidateOptions<AccessOptions>
{
    public ValidateOptionsResult Validate(string? name, AccessOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.InitialAdminUser))
        {
            errors.Add("Auth:InitialAdminUser must not be empty.");
        }

        if (options.InitialAdminPassword is { Length: > 0 and < 12 })
        {
            errors.Add("Auth:InitialAdminPassword must be at least 12 characters (or unset, to have one generated and logged once).");
        }

        if (options.DefaultTokenDays is < 0 or > 3650)
        {
            errors.Add("Auth:DefaultTokenDays must be between 0 (never expires) and 3650.");
        }

        var oidc = options.Oidc;
        if (oidc.Enabled)
        {
            if (!Uri.TryCreate(oidc.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            {
                errors.Add($"Auth:Oidc:Authority must be an absolute http(s) URL, not \"{oidc.Authority}\".");
            }

            if (string.IsNullOrWhiteSpace(oidc.ClientId))
            {
                errors.Add("Auth:Oidc:ClientId is required when Auth:Oidc:Authority is set.");
            }

            foreach (var (claim, role) in oidc.RoleMap)
            {
                if (Roles.Parse(role) is null)
                {
                    errors.Add($"Auth:Oidc:RoleMap:{claim} is \"{role}\"; it must be Viewer, Operator or Admin.");
                }
            }

            if (!string.IsNullOrEmpty(oidc.DefaultRole) && Roles.Parse(oidc.DefaultRole) is null)
            {
                errors.Add($"Auth:Oidc:DefaultRole is \"{oidc.DefaultRole}\"; it must be Viewer, Operator, Admin or empty (refuse).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
