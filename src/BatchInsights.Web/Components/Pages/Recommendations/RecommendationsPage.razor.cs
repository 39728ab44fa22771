using System.Globalization;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Recommendations;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace BatchInsights.Web.Components.Pages.Recommendations;

public partial class RecommendationsPage
{
    [Inject]
    private RecommendationStore Store { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "account")]
    public string? Account { get; set; }

    [SupplyParameterFromQuery(Name = "region")]
    public string? Region { get; set; }

    private bool ShowDismissed { get; set; }

    private IReadOnlyList<RecommendationSummary> Items { get; set; } = [];

    protected override async Task LoadAsync(CancellationToken cancellationToken) =>
        Items = await Store.ListLatestAsync(TargetFilter.From(Account, Region), ShowDismissed, cancellationToken);

    private async Task OnShowDismissedChanged(bool value)
    {
        ShowDismissed = value;
        await ReloadAsync();
    }

    internal static string Usd(decimal value) => value.ToString("$#,##0.00;-$#,##0.00", CultureInfo.InvariantCulture);

    internal static Color SeverityColor(string severity) => severity switch
    {
        nameof(RecommendationSeverity.Critical) => Color.Error,
        nameof(RecommendationSeverity.Warning) => Color.Warning,
        _ => Color.Info,
    };
}
