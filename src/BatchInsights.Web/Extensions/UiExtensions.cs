using System.Text.Json.Serialization;
using BatchInsights.Core.Browse;
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
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapBatchInsightsApi();
        app.MapHarvestStatusApi();
        app.MapSpotPriceApi();
        app.MapInstanceApi();
        app.MapNetworkApi();
        app.MapRecommendationApi();
        app.MapCostApi();
        app.MapReportApi();
        app.MapOverviewApi();
        app.MapApplyApi();
        app.MapOpenApi();
        return app;
    }
}
