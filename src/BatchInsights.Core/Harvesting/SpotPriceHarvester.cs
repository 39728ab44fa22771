using BatchInsights.Core.Aws;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Core.Harvesting;

/// <summary>Gives the EC2 client of one target; the harvester disposes it after the run when it is <see cref="IDisposable"/>.</summary>
public delegate IEc2Api Ec2ApiFactory(AwsTarget target);

/// <summary>
/// Harvests Spot price history (DescribeSpotPriceHistory) for the instance types the target's compute
/// environments can use, Linux products, all AZs of the region. The first run back-fills 90 days (all AWS
/// keeps); later runs fetch from the target's watermark, which moves only after a whole run succeeded.
/// Writes are idempotent upserts keyed by pool and timestamp, so a run stopped anywhere and run again (and
/// the "price in effect at the window start" AWS repeats each time) end in exactly the same rows.
/// </summary>
public sealed class SpotPriceHarvester(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    Ec2ApiFactory apiFactory,
    IInstanceCatalog catalog,
    IHarvestNotifier notifier,
    TimeProvider time,
    ILogger<SpotPriceHarvester> logger)
{
    public const string Kind = "spot-prices";

    /// <summary>The <see cref="HarvestWatermarkRow.Scope"/>: the end of the last fully harvested window (epoch ms).</summary>
    public const string WatermarkScope = "spot-prices";

    /// <summary>DescribeSpotPriceHistory covers at most the past 90 days.</summary>
    public static readonly TimeSpan BackfillWindow = TimeSpan.FromDays(90);

    private readonly HarvestRunRecorder _runs = new(dbFactory, notifier, time);

    /// <summary>
    /// Instance types per DescribeSpotPriceHistory query: each chunk's rows are written before the next is
    /// fetched, so a long back-fill keeps what it got if it fails part-way.
    /// </summary>
    internal int TypesPerQuery { get; init; } = 25;

    /// <summary>Harvests every target in turn; throws at the end when any failed (each failure is recorded).</summary>
    public Task HarvestAllAsync(IEnumerable<AwsTarget> targets, CancellationToken cancellationToken) =>
        HarvestRunRecorder.ForEachTargetAsync("Spot price harvest", targets, t => HarvestAsync(t, cancellationToken), cancellationToken);

    /// <summary>Harvests one target and returns its finished run row; throws (after recording the failure) if it failed.</summary>
    public async Task<HarvestRunRow> HarvestAsync(AwsTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var run = await _runs.StartAsync(target, Kind, cancellationToken);
        logger.LogInformation("Spot price harvest {RunId} of {Target} started", run.Id, target);

        IEc2Api? api = null;
        long written = 0;
        try
        {
            api = apiFactory(target);
            written = await HarvestCoreAsync(api, target, cancellationToken);
        }
        catch (Exception ex)
        {
            var error = HarvestRunRecorder.ErrorOf(ex);
            await _runs.FinishAsync(run, HarvestOutcome.Failed, error, api?.Stats.Calls ?? 0, api?.Stats.Throttled ?? 0, written);
            logger.LogError(ex, "Spot price harvest {RunId} of {Target} failed after {Calls} calls: {Error}", run.Id, target, run.Calls, error);
            throw;
        }
        finally
        {
            (api as IDisposable)?.Dispose();
        }

        await _runs.FinishAsync(run, HarvestOutcome.Succeeded, null, api.Stats.Calls, api.Stats.Throttled, written);
        logger.LogInformation(
            "Spot price harvest {RunId} of {Target} succeeded: {Calls} calls ({Throttled} throttled), {Written} price changes written",
            run.Id, target, run.Calls, run.Throttled, written);
        return run;
    }

    private async Task<long> HarvestCoreAsync(IEc2Api api, AwsTarget target, CancellationToken cancellationToken)
    {
        var store = new SpotPriceStore(dbFactory, target, time);
        var lists = await store.ReadComputeEnvironmentInstanceTypesAsync(cancellationToken);
        // Types the catalog knows cannot run as Spot have no Spot price; unknown types are asked about anyway.
        var types = CandidateInstanceTypes.FromStored(lists, catalog)
            .Where(t => !catalog.TryGet(t, out var spec) || spec.SupportsSpot)
            .ToList();
        if (types.Count == 0)
        {
            // Nothing to price yet (no EC2/Spot CEs harvested): keep no watermark, so the first real run back-fills.
            logger.LogInformation("Spot price harvest of {Target}: no instance types from compute environments yet", target);
            return 0;
        }

        var now = time.GetUtcNow();
        var backfillStart = now - BackfillWindow;
        var watermark = await store.ReadWatermarkAsync(WatermarkScope, cancellationToken);
        var start = watermark is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : backfillStart;

        // A type a CE gained since the last run has no history yet: it gets the full back-fill window, the rest
        // only what is new. (A type AWS has no Spot price for stays "new" and costs one empty query per run.)
        var stored = watermark is null ? [] : await store.ReadStoredInstanceTypesAsync(types, cancellationToken);
        var windows = new[]
        {
            (Start: start, Types: types.Where(stored.Contains).ToList()),
            (Start: backfillStart, Types: types.Where(t => !stored.Contains(t)).ToList()),
        };

        long written = 0;
        foreach (var (windowStart, windowTypes) in windows)
        {
            foreach (var chunk in windowTypes.Chunk(Math.Max(1, TypesPerQuery)))
            {
                var prices = await api.DescribeSpotPriceHistoryAsync(
                    new SpotPriceQuery(chunk, SpotProducts.Linux, AvailabilityZone: null, windowStart, now),
                    cancellationToken);
                written += await store.UpsertAsync(prices, cancellationToken);
            }
        }

        // Only now: every chunk of [start, now] is stored. A failure above leaves the old watermark, and the
        // next run fetches the same window again; the upsert makes that harmless.
        await store.WriteWatermarkAsync(WatermarkScope, now.ToUnixTimeMilliseconds(), cancellationToken);
        logger.LogDebug("Spot prices of {Target}: {Types} instance types from {Start:o} to {End:o}", target, types.Count, start, now);
        return written;
    }
}
