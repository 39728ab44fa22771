using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Recommendations;

public static class RecommendationServiceCollectionExtensions
{
    /// <summary>
    /// The rules, the recommender, the input loader, the store and the Hangfire job; options bound from the
    /// "Recommendations" section. Needs the DbContext factory and the instance catalog.
    /// </summary>
    public static IServiceCollection AddRecommendations(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<RecommendationOptions>().BindConfiguration(RecommendationOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RecommendationOptions>, ValidateRecommendationOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecommendationRule, InstanceTypesRule>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecommendationRule, SpotBidRule>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecommendationRule, NetworkPathRule>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecommendationRule, StuckJobsRule>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecommendationRule, ServerlessFitRule>());
        services.TryAddSingleton<Recommender>();
        services.TryAddTransient<RecommendationInputLoader>();
        services.TryAddTransient<RecommendationStore>();
        services.TryAddTransient<RecommendationRunner>();
        services.TryAddTransient<RecommendationJob>();
        return services;
    }
}
