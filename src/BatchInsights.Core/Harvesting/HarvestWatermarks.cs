using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Harvesting;

/// <summary>Where an incremental harvest got to, per target and scope; shared by every harvester's store.</summary>
internal static class HarvestWatermarks
{
    public static async Task<long?> ReadAsync(IDbContextFactory<BatchInsightsDbContext> dbFactory, string account, string region, string scope, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.HarvestWatermarks.AsNoTracking()
            .Where(x => x.Account == account && x.Region == region && x.Scope == scope)
            .Select(x => (long?)x.ValueMs)
            .FirstOrDefaultAsync(cancellationToken);
    }

    public static async Task WriteAsync(IDbContextFactory<BatchInsightsDbContext> dbFactory, string account, string region, string scope, long valueMs, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.HarvestWatermarks.FirstOrDefaultAsync(x => x.Account == account && x.Region == region && x.Scope == scope, cancellationToken);
        if (row is null)
        {
            db.HarvestWatermarks.Add(new HarvestWatermarkRow { Account = account, Region = region, Scope = scope, ValueMs = valueMs, UpdatedAt = now });
        }
        else
        {
            row.ValueMs = valueMs;
            row.UpdatedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
