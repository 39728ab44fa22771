using BatchInsights.Core.Aws;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchInsights.Core.Harvesting;

public static class SpotPriceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Spot price harvester and its Hangfire job, with an <see cref="Ec2ApiFactory"/> over
    /// <see cref="IAwsClientFactory.CreateEc2"/> unless one is registered. Needs the instance catalog
    /// (AddInstanceCatalog), the targets, the notifier and the DbContext factory, as the Batch harvest does.
    /// </summary>
    public static IServiceCollection AddSpotPriceHarvesting(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IHarvestNotifier, HarvestNotifier>();
        services.TryAddSingleton<Ec2ApiFactory>(sp => sp.GetRequiredService<IAwsClientFactory>().CreateEc2);
        services.TryAddTransient<SpotPriceHarvester>();
        services.TryAddTransient<SpotPriceHarvestJob>();
        return services;
    }
}
