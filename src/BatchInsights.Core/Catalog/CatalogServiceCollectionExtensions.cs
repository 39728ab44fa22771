using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchInsights.Core.Catalog;

public static class CatalogServiceCollectionExtensions
{
    /// <summary>
    /// Registers the instance catalog (a singleton seeded from the embedded snapshot, also as
    /// <see cref="IInstanceCatalog"/>) and its refresh job, which uses <see cref="IAwsClientFactory.CreateEc2"/> for specs
    /// and <see cref="IAwsClientFactory.CreatePricing"/> for On-Demand prices.
    /// </summary>
    public static IServiceCollection AddInstanceCatalog(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InstanceCatalog>();
        services.TryAddSingleton<IInstanceCatalog>(sp => sp.GetRequiredService<InstanceCatalog>());
        services.TryAddTransient(sp => new InstanceCatalogRefreshJob(
            sp.GetRequiredService<InstanceCatalog>(),
            sp.GetRequiredService<IAwsClientFactory>().CreateEc2,
            sp.GetRequiredService<IEnumerable<AwsTarget>>(),
            sp.GetRequiredService<IAwsClientFactory>().CreatePricing,
            sp.GetService<IDbContextFactory<BatchInsightsDbContext>>(),
            sp.GetService<IHarvestNotifier>(),
            sp.GetService<TimeProvider>()));
        return services;
    }
}
