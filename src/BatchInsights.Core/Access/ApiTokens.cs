using System.Security.Cryptography;
using System.Text;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Access;

/// <summary>A token as listed to its owner: never the token itself, which exists only in the answer to <see cref="ApiTokens.CreateAsync"/>.</summary>
public sealed record ApiTokenInfo(long Id, string Name, string Prefix, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? LastUsedAt, DateTime? RevokedAt)
{
    public bool Active(DateTime now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>A token just created: <see cref="Token"/> is shown once and cannot be recovered.</summary>
public sealed record CreatedApiToken(ApiTokenInfo Info, string Token);

/// <summary>
/// Personal API tokens for the JSON API ("Authorization: Bearer bi_…"). Stored as SHA-256 only, revocable, optionally
/// expiring; a token acts with its owner's current role, so demoting or locking the user limits the token too.
/// </summary>
public sealed class ApiTokens(IDbContextFactory<BatchInsightsDbContext> dbFactory, TimeProvider clock)
{
    public const string TokenPrefix = "bi_";

    public async Task<CreatedApiToken> CreateAsync(string userId, string name, int? validDays, CancellationToken cancellationToken)
    {
        name = name.Trim();
        if (name.Length is 0 or > 128)
        {
            throw new ArgumentException("A token needs a name of 1–128 characters (what it is for, e.g. \"grafana\").", nameof(name));
        }

        if (validDays is < 0 or > 3650)
        {
            throw new ArgumentOutOfRangeException(nameof(validDays), validDays, "A token is valid for 0 (never expires) to 3650 days.");
        }

        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow().UtcDateTime;
        var row = new ApiTokenRow
        {
            UserId = userId,
            Name = name,
            Prefix = token[..9],
            Hash = Hash(token),
            CreatedAt = now,
            ExpiresAt = validDays is null or 0 ? null : now.AddDays(validDays.Value),
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.ApiTokens.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiToken(ToInfo(row), token);
    }

    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.Id).ToListAsync(cancellationToken);
        return rows.Select(ToInfo).ToList();
    }

    /// <summary>Revokes one of the user's tokens; false when it is not theirs or does not exist.</summary>
    public async Task<bool> RevokeAsync(string userId, long id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == id && t.UserId == userId, cancellationToken);
        if (row is null)
        {
            return false;
        }

        row.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>The owner of an active token, or null (unknown, revoked, expired or malformed). Records the use.</summary>
    public async Task<string?> FindUserIdAsync(string token, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return null;
        }

        var hash = Hash(token);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.ApiTokens.SingleOrDefaultAsync(t => t.Hash == hash, cancellationToken);
        if (row is null || row.RevokedAt is not null || row.ExpiresAt <= now)
        {
            return null;
        }

        // Once a minute at most: a busy script should not turn every read into a write.
        if (row.LastUsedAt is null || now - row.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            row.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return row.UserId;
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ApiTokenInfo ToInfo(ApiTokenRow r) => new(r.Id, r.Name, r.Prefix, r.CreatedAt, r.ExpiresAt, r.LastUsedAt, r.RevokedAt);
}
