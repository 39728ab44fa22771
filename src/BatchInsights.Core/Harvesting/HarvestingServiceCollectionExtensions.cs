using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchInsights.Core.Harvesting;

public static class HarvestingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Batch harvester, its Hangfire job and the notifier. The app also registers a
    /// <see cref="BatchApiFactory"/>, the targets (as <c>IEnumerable&lt;AwsTarget&gt;</c> or one
    /// <c>AwsTarget</c> singleton each), a <see cref="TimeProvider"/> and the DbContext factory.
    /// </summary>
    public static IServiceCollection AddBatchHarvesting(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IHarvestNotifier, HarvestNotifier>();
        services.TryAddTransient<BatchHarvester>();
        services.TryAddTransient<BatchHarvestJob>();
        return services;
    }
}
