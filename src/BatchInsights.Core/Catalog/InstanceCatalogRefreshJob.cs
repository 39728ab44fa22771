using BatchInsights.Core.Aws;
using Hangfire;

namespace BatchInsights.Core.Catalog;

/// <summary>
/// The recurring Hangfire job: refreshes instance specs from DescribeInstanceTypes in each target region
/// (once per region), then each region's Linux On-Demand prices from the Price List API
/// (<see cref="IOnDemandPriceSource"/>) when one is given. The catalog keeps its last known good specs and
/// prices on failure; the job then fails so the failure shows.
/// </summary>
public sealed class InstanceCatalogRefreshJob(
    InstanceCatalog catalog,
    Func<AwsTarget, IEc2Api> ec2Factory,
    IEnumerable<AwsTarget> targets,
    Func<IOnDemandPriceSource>? priceSourceFactory = null)
{
    [DisableConcurrentExecution(timeoutInSeconds: 10 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var regions = targets.DistinctBy(t => t.Region).ToList();
        foreach (var target in regions)
        {
            var api = ec2Factory(target);
            try
            {
                var result = await catalog.RefreshAsync(api, cancellationToken);
                if (!result.Succeeded)
                {
                    failures.Add($"{target}: {result.Error}");
                }
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
                foreach (var region in regions.Select(t => t.Region))
                {
                    var result = await catalog.RefreshPricesAsync(prices, region, cancellationToken);
                    if (!result.Succeeded)
                    {
                        failures.Add($"On-Demand prices of {region}: {result.Error}");
                    }
                }
            }
            finally
            {
                (prices as IDisposable)?.Dispose();
            }
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"Instance catalog refresh failed (the last known good catalog is kept): {string.Join("; ", failures)}");
        }
    }
}
