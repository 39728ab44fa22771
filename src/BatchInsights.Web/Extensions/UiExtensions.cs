using System.Text.Json.Serialization;
using BatchInsights.Core.Access;
using BatchInsights.Core.Browse;
using BatchInsights.Web.Access;
using BatchInsights.Web.Components;
using BatchInsights.Web.Endpoints;
using MudBlazor.Services;

namespace BatchInsights.Web.Extensions;

public static class UiExtensions
{
    /// <summary>
    /// Razor components (interactive server), MudBlazor, the read queries and the OpenAPI document.
    /// Expects the DbContext factory (AddBatchInsightsData) to be registered by the host. An
    /// <see cref="IDataChangedSource"/> registered before this call wins over the no-op default.
    /// </summary>
    public static IServiceCollection AddBatchInsightsUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddBatchInsightsBrowse();
        services.AddOpenApi();
        // Enums travel as their names ("LineChart", "Spot"), as in AWS's own APIs: numbers would break clients
        // whenever a value is added, and mean nothing to a person reading the JSON.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return services;
    }

    /// <summary>Static assets, antiforgery, the Blazor app, the JSON API, /healthz and /openapi/v1.json.</summary>
    public static WebApplication MapBatchInsightsUi(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        // Every page needs a signed-in Viewer at least; the sign-in pages opt out with [AllowAnonymous].
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization(Roles.Viewer);
        app.MapAccountEndpoints();
        // Every API endpoint needs a Viewer (session cookie or API token); each write endpoint also names Operator.
        // /healthz opts out with AllowAnonymous.
        var api = app.MapGroup("").RequireAuthorization(Roles.Viewer);
        api.MapBatchInsightsApi();
        api.MapHarvestStatusApi();
        api.MapSpotPriceApi();
        api.MapInstanceApi();
        api.MapNetworkApi();
        api.MapRecommendationApi();
        api.MapCostApi();
        api.MapReportApi();
        api.MapOverviewApi();
        api.MapApplyApi();
        api.MapOpenApi();
        return app;
    }
}
