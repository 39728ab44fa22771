using BatchInsights.Core.Reports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchInsights.Core.Overview;

public static class OverviewServiceCollectionExtensions
{
    /// <summary>
    /// The Overview queries and their options (the report time zone from "Reports:TimeZone"). They read through the browse
    /// queries (AddBatchInsightsBrowse), CostQueries (AddCosts) and RecommendationStore (AddRecommendations), which the host registers.
    /// </summary>
    public static IServiceCollection AddOverview(this IServiceCollection services)
    {
        services.AddReportOptions();
        services.TryAddTransient<OverviewQueries>();
        return services;
    }
}
