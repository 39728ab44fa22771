using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Costs;

public static class CostServiceCollectionExtensions
{
    /// <summary>Registers the cost roll-up service, its Hangfire job, the cost queries and the "Costs" options (validated at start).</summary>
    public static IServiceCollection AddCosts(this IServiceCollection services)
    {
        services.AddOptions<CostOptions>().BindConfiguration(CostOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CostOptions>, ValidateCostOptions>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient<CostRollupService>();
        services.TryAddTransient<CostRollupJob>();
        services.TryAddTransient<CostQueries>();
        return services;
    }
}
