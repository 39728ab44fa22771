using BatchInsights.Core.Browse;
using BatchInsights.Core.Overview;
using Microsoft.AspNetCore.Components;

namespace BatchInsights.Web.Components.Pages.Overview;

public partial class OverviewPage
{
    private OverviewSnapshot? _snapshot;
    private OverviewView.Chart _chart = OverviewView.Chart.Empty;

    [Inject]
    private OverviewQueries Queries { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "account")]
    public string? Account { get; set; }

    [SupplyParameterFromQuery(Name = "region")]
    public string? Region { get; set; }

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        _snapshot = await Queries.GetAsync(TargetFilter.From(Account, Region), cancellationToken);
        _chart = OverviewView.Chart.Build(_snapshot.Trend);
    }
}
