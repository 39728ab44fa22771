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
using BatchInsights.Web.Endpoints;
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

    /// <summary>
    /// Reads Instance:Role now (it decides what is registered and mapped) and validates it at start. A value that is
    /// not a role fails here, in the configuration binder, with a message naming the key.
    /// </summary>
    public static InstanceOptions AddInstanceRole(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<InstanceOptions>().BindConfiguration(InstanceOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<InstanceOptions>, ValidateInstanceOptions>();
        return builder.Configuration.GetSection(InstanceOptions.Section).Get<InstanceOptions>() ?? new InstanceOptions();
    }

    public static WebApplicationBuilder AddBatchInsightsCore(this WebApplicationBuilder builder, InstanceOptions instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
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
        services.AddOptions<HangfireStorageOptions>().BindConfiguration(HangfireStorageOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HangfireStorageOptions>, ValidateHangfireStorageOptions>();
        services.AddHangfire((sp, config) =>
        {
            // Resolved (and so validated) here, before Hangfire builds its storage with these values.
            var hangfire = sp.GetRequiredService<IOptions<HangfireStorageOptions>>().Value;
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            if (database.Provider == DatabaseProvider.Postgres)
            {
                var storage = PostgreSqlStorageOptions(hangfire);
                config.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(database.ConnectionString), storage);
                GlobalJobFilters.Filters.Add(
                    new PostgresLockRenewalFilter(database.ConnectionString, storage.SchemaName, storage.DistributedLockTimeout,
                        sp.GetRequiredService<ILoggerFactory>().CreateLogger<PostgresLockRenewalFilter>()),
                    PostgresLockRenewalFilter.Order);
            }
            else
            {
                var path = Path.GetFullPath(hangfire.SqlitePath);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                config.UseSQLiteStorage(path);
            }
        });
        if (instance.RunsJobs)
        {
            // A Ui instance keeps the Hangfire client (it may enqueue, e.g. an apply) but runs no jobs.
            services.AddHangfireServer((sp, o) => o.WorkerCount = sp.GetRequiredService<IOptions<HangfireStorageOptions>>().Value.WorkerCount);
        }

        return builder;
    }

    private static PostgreSqlStorageOptions PostgreSqlStorageOptions(HangfireStorageOptions hangfire) => new()
    {
        // Sliding: a live instance keeps its jobs however long they run (it keeps renewing its claim), and a dead
        // instance's job goes to another instance after the timeout, not after the library's fixed 30 minutes.
        UseSlidingInvisibilityTimeout = true,
        InvisibilityTimeout = TimeSpan.FromSeconds(hangfire.InvisibilityTimeoutSeconds),
        DistributedLockTimeout = TimeSpan.FromSeconds(hangfire.LockTimeoutSeconds),
    };

    /// <summary>Migrates the database, waiting (Database:StartupRetrySeconds) for a PostgreSQL server that is not up yet.</summary>
    public static Task MigrateDatabaseAsync(this WebApplication app) => DatabaseStartup.MigrateAsync(
        app.Services.GetRequiredService<IDbContextFactory<BatchInsightsDbContext>>(),
        app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value,
        app.Logger,
        app.Services.GetRequiredService<TimeProvider>(),
        app.Lifetime.ApplicationStopping);

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

    /// <summary>A Worker instance answers only /healthz (for the load balancer or the container health check).</summary>
    public static WebApplication MapHealthOnly(this WebApplication app)
    {
        app.MapGet("/healthz", ApiEndpoints.HealthAsync);
        return app;
    }

    /// <summary>
    /// Every instance registers the recurring jobs (AddOrUpdate by id is idempotent, so N instances leave one of each);
    /// only an instance that runs jobs queues the start-up harvest, so a Ui instance's restart costs no AWS calls.
    /// </summary>
    public static WebApplication ScheduleRecurringJobs(this WebApplication app, InstanceOptions instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var options = app.Services.GetRequiredService<IOptions<HarvestOptions>>().Value;
        RecurringJobs.Register(app.Services.GetRequiredService<IRecurringJobManager>(), options);
        RecurringJobs.RegisterRecommendations(app.Services.GetRequiredService<IRecurringJobManager>(), app.Services.GetRequiredService<IOptions<RecommendationOptions>>().Value);
        RecurringJobs.RegisterCosts(app.Services.GetRequiredService<IRecurringJobManager>(), app.Services.GetRequiredService<IOptions<CostOptions>>().Value);
        RecurringJobs.RegisterReports(app.Services.GetRequiredService<IRecurringJobManager>(), app.Services.GetRequiredService<IOptions<ReportOptions>>().Value);
        if (options.RunOnStart && instance.RunsJobs)
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
