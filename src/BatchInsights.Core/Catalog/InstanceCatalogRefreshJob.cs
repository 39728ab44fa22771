using BatchInsights.Core.Aws;
using Hangfire;

namespace BatchInsights.Core.Catalog;

/// <summary>
/// The recurring Hangfire job: refreshes instance specs from DescribeInstanceTypes in each target region
/// (once per region). The catalog keeps its last known good snapshot on failure; the job then fails so the
/// failure shows. On-Demand prices wait for the Price List client (<see cref="IOnDemandPriceSource"/>).
/// </summary>
public sealed class InstanceCatalogRefreshJob(InstanceCatalog catalog, Func<AwsTarget, IEc2Api> ec2Factory, IEnumerable<AwsTarget> targets)
{
    [DisableConcurrentExecution(timeoutInSeconds: 10 * 60)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var target in targets.DistinctBy(t => t.Region))
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

        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"Instance catalog refresh failed (the last known good catalog is kept): {string.Join("; ", failures)}");
        }
    }
}
