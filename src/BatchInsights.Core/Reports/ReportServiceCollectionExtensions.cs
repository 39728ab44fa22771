using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchInsights.Core.Reports;

public static class ReportServiceCollectionExtensions
{
    /// <summary>Registers the weekly report builder/store/renderer as itself and as <see cref="IWeeklyReportSource"/> (needs AddCosts and AddRecommendations).</summary>
    public static IServiceCollection AddWeeklyReports(this IServiceCollection services)
    {
        services.AddOptions<WeeklyReportOptions>().BindConfiguration(WeeklyReportOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient<WeeklyReportService>();
        services.TryAddTransient<IWeeklyReportSource>(sp => sp.GetRequiredService<WeeklyReportService>());
        return services;
    }
}
