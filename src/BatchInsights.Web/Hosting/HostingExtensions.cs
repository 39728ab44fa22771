using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Catalog;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Core.Jobs;
using BatchInsights.Core.Overview;
using BatchInsights.Core.Recommendations;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using BatchInsights.Sandbox;
using BatchInsights.Web.Access;
using BatchInsights.Core.Access;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatchInsights.Web.Hosting;

/// <summary>Host wiring by area; Program.cs reads as a table of contents.</summary>
internal static class HostingExtensions
{
    /// <summary>
    /// In the default Sandbox mode, starts the simulated AWS account on loopback before anything else is built and
    /// points the AWS clients at it, so the app talks to it over HTTP exactly as to AWS.
    /// </summary>
    public static async Task StartSandboxIfEnabledAsync(this WebApplicationBuilder builder)
    {
        var mode = builder.Configuration[$"{AwsOptions.Section}:{nameof(AwsOptions.Mode)}"];
        if (!string.IsNullOrEmpty(mode) && !string.Equals(mode, nameof(AwsMode.Sandbox), StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var settings = builder.Configuration.GetSection("Sandbox").Get<SandboxSettings>() ?? new SandboxSettings();
        var server = await SandboxServer.StartAsync(settings, CancellationToken.None);
        builder.Configuration[$"{AwsOptions.Section}:{nameof(AwsOptions.EndpointOverride)}"] = server.BaseAddress.ToString();
        builder.Services.AddSingleton(server);
        Console.WriteLine($"Sandbox AWS account listening on {server.BaseAddress} (Aws:Mode=Sandbox)");
    }

    public static WebApplicationBuilder AddBatchInsightsCore(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddSingleton(TimeProvider.System);

        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        services.AddBatchInsightsData(database);

        services.AddAwsClients(configuration);
        services.AddBatchHarvesting();
        services.AddInstanceCatalog();
        services.AddSpotPriceHarvesting();
        services.AddInstanceHarvesting();
        services.AddNetworkHarvesting();
        services.AddRecommendations();
        services.AddCosts();
        services.AddWeeklyReports();
        services.AddReportDelivery();
        services.AddOverview();
        services.AddApply();
        services.AddSingleton<BatchApiFactory>(sp => sp.GetRequiredService<IAwsClientFactory>().CreateBatch);
        services.AddSingleton<IEnumerable<AwsTarget>>(sp => sp.GetRequiredService<IAwsClientFactory>().Targets);
        services.AddSingleton<IDataChangedSource, HarvestDataChangedSource>();

        services.AddOptions<HarvestOptions>().BindConfiguration(HarvestOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HarvestOptions>, ValidateHarvestOptions>();
        var hangfire = configuration.GetSection(HangfireStorageOptions.Section).Get<HangfireStorageOptions>() ?? new HangfireStorageOptions();
        services.AddHangfire(config =>
        {
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            if (database.Provider == DatabaseProvider.Postgres)
            {
                config.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(database.ConnectionString));
            }
            else
            {
                var path = Path.GetFullPath(hangfire.SqlitePath);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                config.UseSQLiteStorage(path);
            }
        });
        services.AddHangfireServer(o => o.WorkerCount = Math.Max(1, hangfire.WorkerCount));
        return builder;
    }

    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        try
        {
            await DatabaseMigrator.MigrateAsync(app.Services.GetRequiredService<IDbContextFactory<BatchInsightsDbContext>>(), CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new DatabaseUnavailableException(
                $"The database could not be opened or migrated (Database:Provider={options.Provider}; check Database:ConnectionString): {e.Message}", e);
        }
    }

    /// <summary>
    /// The Hangfire dashboard, for Operators and Admins (it can trigger a harvest now, retry or delete jobs): the
    /// endpoint sends others to sign in, and the dashboard's own filter checks the role again.
    /// </summary>
    public static WebApplication MapHangfireDashboardForOperators(this WebApplication app)
    {
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new HangfireOperatorFilter()],
            DashboardTitle = "BatchInsights jobs",
            AppPath = "/",
        }).RequireAuthorization(Roles.Operator);
        return app;
    }

    public static WebApplication ScheduleRecurringJobs(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HarvestOptions>>().Value;
        RecurringJobs.Register(app.Services.GetRequiredService<IRecurringJobManager>(), options);
        RecurringJobs.RegisterRecommendations(app.Services.GetRequiredService<IRecurringJobManager>(), app.Services.GetRequiredService<IOptions<RecommendationOptions>>().Value);
        RecurringJobs.RegisterCosts(app.Services.GetRequiredService<IRecurringJobManager>(), app.Services.GetRequiredService<IOptions<CostOptions>>().Value);
        RecurringJobs.RegisterReports(app.Services.GetRequiredService<IRecurringJobManager>(), app.Services.GetRequiredService<IOptions<ReportOptions>>().Value);
        if (options.RunOnStart)
        {
            var jobs = app.Services.GetRequiredService<IBackgroundJobClient>();
            jobs.Enqueue<InstanceCatalogRefreshJob>(j => j.RunAsync(CancellationToken.None));
            // Spot prices need the CEs' instance types, so the first Spot harvest follows a successful Batch harvest.
            var batch = jobs.Enqueue<BatchHarvestJob>(j => j.RunAsync(CancellationToken.None));
            var spot = jobs.ContinueJobWith<SpotPriceHarvestJob>(batch, j => j.RunAsync(CancellationToken.None));
            // Instances are matched to the harvested CEs and attempts, so they follow the Batch harvest too.
            var instances = jobs.ContinueJobWith<InstanceHarvestJob>(batch, j => j.RunAsync(CancellationToken.None));
            // Costs need the instances and the attempt → instance mapping.
            jobs.ContinueJobWith<CostRollupJob>(instances, j => j.RunAsync(CancellationToken.None));
            // The network harvest reads the CEs' subnets, so it too follows the Batch harvest.
            jobs.ContinueJobWith<NetworkHarvestJob>(batch, j => j.RunAsync(CancellationToken.None));
            // The first recommendations follow the first Spot price harvest (the last input they need), so the page
            // has advice within minutes rather than at the next cron tick.
            jobs.ContinueJobWith<RecommendationJob>(spot, j => j.RunAsync(CancellationToken.None));
        }

        return app;
    }
}
