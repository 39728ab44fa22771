using BatchInsights.Core.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Browse;

public static class BrowseServiceCollectionExtensions
{
    /// <summary>The read queries (stateless singletons over the DbContext factory) and their defaults.</summary>
    public static IServiceCollection AddBatchInsightsBrowse(this IServiceCollection services)
    {
        services.AddOptions<BrowseOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDataChangedSource, NoDataChangedSource>();
        services.TryAddSingleton<QueueQueries>();
        services.TryAddSingleton<ComputeEnvironmentQueries>();
        services.TryAddSingleton<JobQueries>();
        services.TryAddSingleton<HarvestRunQueries>();
        services.TryAddSingleton(sp => HarvestStaleThresholds.From(sp.GetService<IOptions<HarvestOptions>>()?.Value ?? new HarvestOptions()));
        services.TryAddSingleton<HarvestStatusQueries>();
        services.TryAddSingleton<SpotPriceQueries>();
        services.TryAddSingleton<CatalogQueries>();
        services.TryAddSingleton<TargetQueries>();
        services.TryAddSingleton<InstanceQueries>();
        services.TryAddSingleton<SpotInterruptionQueries>();
        services.TryAddSingleton<Networking.NetworkQueries>();
        return services;
    }
}
