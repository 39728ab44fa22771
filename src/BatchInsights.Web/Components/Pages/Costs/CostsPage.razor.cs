using BatchInsights.Core.Browse;
using BatchInsights.Core.Costs;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace BatchInsights.Web.Components.Pages.Costs;

public partial class CostsPage
{
    private CostGrouping _grouping = CostGrouping.Queue;
    private int _days = CostsView.DefaultDays;
    private CostReport? _report;
    private CostsView.Chart _chart = CostsView.Chart.Empty;

    [Inject]
    private CostQueries Queries { get; set; } = default!;

    [Inject]
    private IOptions<CostOptions> Options { get; set; } = default!;

    [Inject]
    private TimeProvider TimeProvider { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "groupBy")]
    public string? GroupBy { get; set; }

    [SupplyParameterFromQuery(Name = "days")]
    public int? Days { get; set; }

    [SupplyParameterFromQuery(Name = "account")]
    public string? Account { get; set; }

    [SupplyParameterFromQuery(Name = "region")]
    public string? Region { get; set; }

    private IReadOnlyList<string> TagKeys => Options.Value.EffectiveTagKeys;

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        _grouping = CostGrouping.Parse(GroupBy);
        _days = Days is { } d && CostsView.RangeDays.Contains(d) ? d : CostsView.DefaultDays;
        // Whole UTC days up to and including today, so the daily roll-ups answer.
        var to = CostLedger.DayStart(TimeProvider.GetUtcNow().ToUnixTimeMilliseconds()) + 86_400_000;
        var from = to - (_days * 86_400_000L);
        _report = await Queries.GetAsync(_grouping, from, to, TargetFilter.From(Account, Region), cancellationToken);
        _chart = CostsView.Chart.Build(_report);
    }

    private void OnGroupByChanged(string? value) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("groupBy", value));

    private void OnDaysChanged(int value) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("days", value));
}
