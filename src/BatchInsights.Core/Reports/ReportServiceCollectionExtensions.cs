using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Reports;

public static class ReportServiceCollectionExtensions
{
    /// <summary>Registers the weekly report builder/store/renderer as itself and as <see cref="IWeeklyReportSource"/> (needs AddCosts and AddRecommendations).</summary>
    public static IServiceCollection AddWeeklyReports(this IServiceCollection services)
    {
        services.AddReportOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient<WeeklyReportService>();
        services.TryAddTransient<IWeeklyReportSource>(sp => sp.GetRequiredService<WeeklyReportService>());
        return services;
    }

    /// <summary>
    /// The "Reports" section, bound and validated at start exactly once: the builder and delivery both need it, and binding a
    /// section twice would append its lists twice (two copies of every recipient).
    /// </summary>
    internal static IServiceCollection AddReportOptions(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<ReportOptions>) && d.ImplementationType == typeof(ValidateReportOptions)))
        {
            return services;
        }

        services.AddOptions<ReportOptions>().BindConfiguration(ReportOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReportOptions>, ValidateReportOptions>();
        return services;
    }
}
