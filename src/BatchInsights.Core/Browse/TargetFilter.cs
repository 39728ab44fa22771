using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Browse;

/// <summary>An optional account label and region (pages' and the API's "account" and "region" parameters); null = all.</summary>
public sealed record TargetFilter(string? Account = null, string? Region = null)
{
    public static readonly TargetFilter All = new();

    /// <summary>Blank values mean "all"; the rest trimmed.</summary>
    public static TargetFilter From(string? account, string? region) =>
        new(string.IsNullOrWhiteSpace(account) ? null : account.Trim(), string.IsNullOrWhiteSpace(region) ? null : region.Trim());
}

/// <summary>The (account, region) pairs the filters offer.</summary>
public sealed record TargetChoice(string Account, string Region);

/// <summary>The account/region pairs that have harvest runs (every target, once its first run started).</summary>
public sealed class TargetQueries(IDbContextFactory<BatchInsightsDbContext> dbFactory)
{
    public async Task<IReadOnlyList<TargetChoice>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pairs = await db.HarvestRuns.AsNoTracking()
            .Select(r => new { r.Account, r.Region })
            .Distinct()
            .ToListAsync(cancellationToken);
        return pairs.Select(p => new TargetChoice(p.Account, p.Region))
            .OrderBy(p => p.Account, StringComparer.Ordinal).ThenBy(p => p.Region, StringComparer.Ordinal)
            .ToList();
    }
}
