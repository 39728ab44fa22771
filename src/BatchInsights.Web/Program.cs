using BatchInsights.Web.Hosting;
using BatchInsights.Web.Extensions;

if (args.Contains("--healthcheck"))
{
    // Container HEALTHCHECK: the runtime image has no curl.
    return await HealthCheckCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // The one config file users edit (top-level appsettings.json) is copied next to the binaries on build and publish.
    ContentRootPath = AppContext.BaseDirectory,
});
builder.WebHost.UseStaticWebAssets();

await builder.StartSandboxIfEnabledAsync();
builder.AddBatchInsightsCore();
builder.Services.AddBatchInsightsUi();

var app = builder.Build();
await app.MigrateDatabaseAsync();
app.MapBatchInsightsUi();
app.MapHangfireDashboardLocalOnly();
app.ScheduleRecurringJobs();
await app.RunAsync();
return 0;

/// <summary>Entry point type, public for test hosts.</summary>
public partial class Program;
