using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Core.Catalog;

/// <summary>
/// The recurring Hangfire job: refreshes instance specs from DescribeInstanceTypes and AZ offerings from
/// DescribeInstanceTypeOfferings in each target region (once per region; offerings alone failing makes the run
/// Partial), then each region's Linux On-Demand prices from the Price List API
/// (<see cref="IOnDemandPriceSource"/>) when one is given. The catalog keeps its last known good specs and
/// prices on failure; the job then fails so the failure shows. With a database it also records one
/// <see cref="HarvestRunRow"/> of kind <see cref="Kind"/> per region, so the Harvest status page shows the
/// catalog's last success, the reason of its last failure (e.g. the missing pricing:GetProducts) and its calls.
/// </summary>
public sealed class InstanceCatalogRefreshJob(
    InstanceCatalog catalog,
    Func<AwsTarget, IEc2Api> ec2Factory,
    IEnumerable<AwsTarget> targets,
    Func<IOnDemandPriceSource>? priceSourceFactory = null,
    IDbContextFactory<BatchInsightsDbContext>? dbFactory = null,
    IHarvestNotifier? notifier = null,
    TimeProvider? time = null)
{
    public const string Kind = "catalog";

    [DisableConcurrentExecution(timeoutInSeconds: 10 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var regions = targets.DistinctBy(t => t.Region).ToList();
        var recorder = dbFactory is null ? null : new HarvestRunRecorder(dbFactory, notifier ?? NoNotifier.Instance, time ?? TimeProvider.System);
        var runs = new List<RegionRun>();
        foreach (var target in regions)
        {
            runs.Add(new RegionRun(target, recorder is null ? null : await recorder.StartAsync(target, Kind, cancellationToken)));
        }

        try
        {
            foreach (var run in runs)
            {
                var api = ec2Factory(run.Target);
                try
                {
                    var result = await catalog.RefreshAsync(api, cancellationToken);
                    var offerings = await catalog.RefreshOfferingsAsync(api, cancellationToken);
                    run.Add(api.Stats.Calls, api.Stats.Throttled, result.Succeeded ? null : $"instance types: {result.Error}");
                    // Specs and prices still refreshed: a missing offerings read makes the run Partial, not Failed.
                    run.Partial = offerings.Succeeded ? null
                        : $"instance type offerings by AZ: {offerings.Error} (advice rules out no type by AZ until this read works; if it was refused, grant ec2:DescribeInstanceTypeOfferings)";
                }
                finally
                {
                    (api as IDisposable)?.Dispose();
                }
            }

            // After the specs, so that types the specs refresh just learned about get their prices too.
            if (priceSourceFactory is not null)
            {
                var prices = priceSourceFactory();
                try
                {
                    foreach (var run in runs)
                    {
                        var (calls, throttled) = (prices as PricingApiClient)?.Stats is { } before ? (before.Calls, before.Throttled) : (0L, 0L);
                        var result = await catalog.RefreshPricesAsync(prices, run.Target.Region, cancellationToken);
                        var after = (prices as PricingApiClient)?.Stats;
                        run.Add((after?.Calls ?? 0) - calls, (after?.Throttled ?? 0) - throttled,
                            result.Succeeded ? null : $"On-Demand prices of {run.Target.Region}: {result.Error}");
                    }
                }
                finally
                {
                    (prices as IDisposable)?.Dispose();
                }
            }
        }
        catch (Exception ex)
        {
            foreach (var run in runs.Where(r => r.Row is not null))
            {
                run.Add(0, 0, HarvestRunRecorder.ErrorOf(ex));
                await recorder!.FinishAsync(run.Row!, HarvestOutcome.Failed, run.Error, run.Calls, run.Throttled, 0);
            }

            throw;
        }

        foreach (var run in runs.Where(r => r.Row is not null))
        {
            // A region whose specs refreshed but whose prices did not still failed: its prices are stale.
            var (outcome, message) = run.Error is not null ? (HarvestOutcome.Failed, $"{run.Error} (the last known good catalog is kept)")
                : run.Partial is not null ? (HarvestOutcome.Partial, run.Partial)
                : (HarvestOutcome.Succeeded, null);
            await recorder!.FinishAsync(run.Row!, outcome, message, run.Calls, run.Throttled, 0);
        }

        var failures = runs.Where(r => r.Error is not null).Select(r => $"{r.Target}: {r.Error}").ToList();
        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"Instance catalog refresh failed (the last known good catalog is kept): {string.Join("; ", failures)}");
        }
    }

    private sealed class RegionRun(AwsTarget target, HarvestRunRow? row)
    {
        public AwsTarget Target { get; } = target;
        public HarvestRunRow? Row { get; } = row;
        public long Calls { get; private set; }
        public long Throttled { get; private set; }
        public string? Error { get; private set; }

        /// <summary>What was not read while the rest was (the run ends Partial).</summary>
        public string? Partial { get; set; }

        public void Add(long calls, long throttled, string? error)
        {
            Calls += calls;
            Throttled += throttled;
            if (error is not null)
            {
                Error = Error is null ? error : $"{Error}; {error}";
            }
        }
    }

    private sealed class NoNotifier : IHarvestNotifier
    {
        public static readonly NoNotifier Instance = new();

        public event Action<HarvestCompleted>? Completed
        {
            add { }
            remove { }
        }

        public void Publish(HarvestCompleted completed)
        {
        }
    }
}
