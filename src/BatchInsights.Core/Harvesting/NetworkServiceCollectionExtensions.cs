using BatchInsights.Core.Aws;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchInsights.Core.Harvesting;

public static class NetworkServiceCollectionExtensions
{
    /// <summary>
    /// Registers the network harvester and its Hangfire job, with EC2/CloudWatch factories over <see cref="IAwsClientFactory"/>
    /// unless registered already. Needs the targets, the notifier and the DbContext factory, as the Batch harvest does.
    /// </summary>
    public static IServiceCollection AddNetworkHarvesting(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IHarvestNotifier, HarvestNotifier>();
        services.TryAddSingleton<Ec2ApiFactory>(sp => sp.GetRequiredService<IAwsClientFactory>().CreateEc2);
        services.TryAddSingleton<CloudWatchApiFactory>(sp => sp.GetRequiredService<IAwsClientFactory>().CreateCloudWatch);
        services.TryAddTransient<NetworkHarvester>();
        services.TryAddTransient<NetworkHarvestJob>();
        return services;
    }
}
