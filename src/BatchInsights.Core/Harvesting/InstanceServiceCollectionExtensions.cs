using BatchInsights.Core.Aws;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchInsights.Core.Harvesting;

public static class InstanceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the instance/placement harvester and its Hangfire job, with EC2 and ECS client factories over
    /// <see cref="IAwsClientFactory"/> unless registered. Needs the targets, the notifier and the DbContext factory.
    /// </summary>
    public static IServiceCollection AddInstanceHarvesting(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IHarvestNotifier, HarvestNotifier>();
        services.TryAddSingleton<Ec2ApiFactory>(sp => sp.GetRequiredService<IAwsClientFactory>().CreateEc2);
        services.TryAddSingleton<EcsApiFactory>(sp => sp.GetRequiredService<IAwsClientFactory>().CreateEcs);
        services.TryAddTransient<InstanceHarvester>();
        services.TryAddTransient<InstanceHarvestJob>();
        return services;
    }
}
