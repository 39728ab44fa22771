using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Harvesting;
using BatchInsights.Core.Recommendations;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using Hangfire;

namespace BatchInsights.Core.Jobs;

/// <summary>Every recurring job, its id and schedule, in one place.</summary>
public static class RecurringJobs
{
    public const string BatchHarvest = "batch-harvest";
    public const string SpotPriceHarvest = "spot-price-harvest";
    public const string CatalogRefresh = "catalog-refresh";
    public const string InstanceHarvest = "instance-harvest";
    public const string NetworkHarvest = "network-harvest";
    public const string Recommendations = "recommendations";
    public const string CostRollup = "cost-rollup";
    public const string WeeklyReport = "weekly-report";
    public const string ReportDeliveryRetry = "report-delivery-retry";

    public static void Register(IRecurringJobManager manager, HarvestOptions options)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(options);
        // Hangfire swaps CancellationToken.None for a token that fires on server shutdown.
        manager.AddOrUpdate<BatchHarvestJob>(BatchHarvest, j => j.RunAsync(CancellationToken.None), options.BatchCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        manager.AddOrUpdate<SpotPriceHarvestJob>(SpotPriceHarvest, j => j.RunAsync(CancellationToken.None), options.SpotPriceCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        manager.AddOrUpdate<InstanceCatalogRefreshJob>(CatalogRefresh, j => j.RunAsync(CancellationToken.None), options.CatalogCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        manager.AddOrUpdate<InstanceHarvestJob>(InstanceHarvest, j => j.RunAsync(CancellationToken.None), options.InstanceCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        manager.AddOrUpdate<NetworkHarvestJob>(NetworkHarvest, j => j.RunAsync(CancellationToken.None), options.NetworkCron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
    }

    public static void RegisterRecommendations(IRecurringJobManager manager, RecommendationOptions options)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(options);
        manager.AddOrUpdate<RecommendationJob>(Recommendations, j => j.RunAsync(CancellationToken.None), options.Cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
    }

    /// <summary>The cost roll-up (its cron is in the "Costs" section).</summary>
    public static void RegisterCosts(IRecurringJobManager manager, CostOptions options)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(options);
        manager.AddOrUpdate<CostRollupJob>(CostRollup, j => j.RunAsync(CancellationToken.None), options.Cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
    }

    /// <summary>The weekly report (Reports:Cron in Reports:TimeZone, so "Monday 08:00" is Berlin's when the zone is Europe/Berlin) and the retry of failed sends.</summary>
    public static void RegisterReports(IRecurringJobManager manager, ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(options);
        manager.AddOrUpdate<WeeklyReportJob>(WeeklyReport, j => j.RunAsync(CancellationToken.None), options.Cron, new RecurringJobOptions { TimeZone = options.ResolveTimeZone() });
        manager.AddOrUpdate<ReportDeliveryRetryJob>(ReportDeliveryRetry, j => j.RunAsync(CancellationToken.None), ReportDeliveryRetryJob.Cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
    }
}
