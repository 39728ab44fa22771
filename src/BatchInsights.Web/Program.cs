using BatchInsights.Web.Hosting;
using BatchInsights.Web.Access;
using BatchInsights.Web.Extensions;

if (args.Contains("--healthcheck"))
{
    // Container HEALTHCHECK: the runtime image has no curl.
    return await HealthCheckCommand.RunAsync(args);
}

try
{
    return await RunAsync(args);
}
catch (Exception e) when (StartupErrors.IsConfigurationError(e))
{
    // A wrong config value: one clear line naming the key, not a stack trace.
    Console.Error.WriteLine($"BatchInsights cannot start: {StartupErrors.Describe(e)}");
    Console.Error.WriteLine("Fix the value in appsettings.json (or its environment variable, e.g. Harvest__BatchCron) and start again.");
    return 2;
}

static async Task<int> RunAsync(string[] args)
{
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // The one config file users edit (top-level appsettings.json) is copied next to the binaries on build and publish.
    ContentRootPath = AppContext.BaseDirectory,
});
builder.WebHost.UseStaticWebAssets();

await builder.StartSandboxIfEnabledAsync();
var instance = builder.AddInstanceRole();
builder.AddBatchInsightsCore(instance);
builder.AddBatchInsightsAccess();
builder.Services.AddBatchInsightsUi();

var app = builder.Build();
await app.MigrateDatabaseAsync();
await app.EnsureInitialAdminAsync();
if (instance.ServesUi)
{
    app.MapBatchInsightsUi();
    app.MapHangfireDashboardForOperators();
}
else
{
    app.MapHealthOnly();
}

app.ScheduleRecurringJobs(instance);
await app.RunAsync();
return 0;
}

/// <summary>Entry point type, public for test hosts.</summary>
public partial class Program;
