using BatchInsights.Core.Browse;
using Microsoft.AspNetCore.Components;

namespace BatchInsights.Web.Components.Pages.SpotPrices;

public partial class SpotPricesPage
{
    private IReadOnlyList<string> _types = [];
    private string? _selectedType;
    private SpotChart.Range _range = SpotChart.DefaultRange;
    private SpotPriceHistory? _history;
    private SpotChart _chart = SpotChart.Empty;
    private SpotInterruptions? _interruptions;

    [Inject]
    private SpotPriceQueries SpotPriceQueries { get; set; } = default!;

    [Inject]
    private SpotInterruptionQueries InterruptionQueries { get; set; } = default!;

    [Inject]
    private TimeProvider TimeProvider { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    // The URL keeps the selection: links can be shared and Back returns to the previous one.
    [SupplyParameterFromQuery(Name = "type")]
    public string? Type { get; set; }

    [SupplyParameterFromQuery(Name = "range")]
    public string? RangeKey { get; set; }

    [SupplyParameterFromQuery(Name = "account")]
    public string? Account { get; set; }

    [SupplyParameterFromQuery(Name = "region")]
    public string? Region { get; set; }

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        _types = await SpotPriceQueries.ListInstanceTypesAsync(cancellationToken);
        _range = SpotChart.Ranges.FirstOrDefault(r => r.Key == RangeKey) ?? SpotChart.DefaultRange;
        _selectedType = Type is not null && _types.Contains(Type, StringComparer.Ordinal) ? Type : (_types.Count > 0 ? _types[0] : null);
        if (_selectedType is null)
        {
            _history = null;
            _chart = SpotChart.Empty;
            _interruptions = null;
            return;
        }

        var target = TargetFilter.From(Account, Region);
        var to = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var from = to - (long)_range.Length.TotalMilliseconds;
        _history = await SpotPriceQueries.GetHistoryAsync(new SpotPriceFilter(_selectedType, FromMs: from, ToMs: to, Account: target.Account, Region: target.Region), cancellationToken: cancellationToken);
        _chart = SpotChart.Build(_history);
        _interruptions = await InterruptionQueries.ListAsync(_selectedType, from, to, target, cancellationToken);
    }

    // Changing the URL re-supplies the query parameters, which reloads through LoadAsync.
    private void OnTypeChanged(string? type) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("type", type));

    private void OnRangeChanged(string? range) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("range", range));
}
