using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BatchInsights.Core.Reports.Delivery;

public static class ReportDeliveryServiceCollectionExtensions
{
    /// <summary>
    /// The "Reports" options (validated at start), the SMTP and webhook senders, the delivery service and its two
    /// Hangfire jobs. Needs the DbContext factory and an <see cref="IWeeklyReportSource"/> (registered by the report builder).
    /// </summary>
    public static IServiceCollection AddReportDelivery(this IServiceCollection services)
    {
        services.AddReportOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(WebhookReportSender.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.TryAddTransient<SmtpReportSender>();
        services.TryAddTransient<WebhookReportSender>();
        services.TryAddTransient<ReportDeliveryService>();
        services.TryAddTransient<WeeklyReportJob>();
        services.TryAddTransient<ReportDeliveryRetryJob>();
        return services;
    }
}
