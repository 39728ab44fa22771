using Microsoft.AspNetCore.Identity;

namespace BatchInsights.Core.Access;

/// <summary>A dashboard user (ASP.NET Core Identity). Local accounts have a password; OpenID Connect users a login.</summary>
public sealed class AppUser : IdentityUser
{
    public DateTime CreatedAt { get; set; }

    public DateTime? LastSignInAt { get; set; }
}

/// <summary>
/// A personal API token. Only the SHA-256 of the token is stored; the token itself is shown once, when created.
/// </summary>
public sealed class ApiTokenRow
{
    public long Id { get; set; }

    public string UserId { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>The first characters of the token ("bi_" + 6), so a user can tell tokens apart.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Lower-case hex SHA-256 of the whole token.</summary>
    public string Hash { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime? ExpiresAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}
