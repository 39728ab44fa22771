using BatchInsights.Core.Reports;
using Microsoft.AspNetCore.Components;

namespace BatchInsights.Web.Components.Pages.Reports;

public partial class ReportsPage
{
    private IReadOnlyList<WeeklyReportSummary> _weeks = [];
    private string? _weekText;
    private string _zoneId = "UTC";
    private bool _building;
    private string? _buildError;

    [Inject]
    private WeeklyReportService Reports { get; set; } = default!;

    [Inject]
    private TimeProvider TimeProvider { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        var zone = Reports.Zone;
        _zoneId = zone.Id;
        // Offer the last full week, the one the Monday job builds.
        _weekText ??= IsoWeek.PreviousFull(TimeProvider.GetUtcNow(), zone).ToString();
        _weeks = await Reports.ListAsync(cancellationToken);
    }

    private async Task BuildAsync()
    {
        _buildError = null;
        if (!IsoWeek.TryParse(_weekText, out var week))
        {
            _buildError = $"'{_weekText}' is not an ISO week; use YYYY-Www, e.g. 2026-W47.";
            return;
        }

        _building = true;
        try
        {
            await Reports.BuildAsync(week, Aborted);
            Navigation.NavigateTo($"/reports/{week}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _buildError = $"Building {week} failed: {ex.Message}";
        }
        finally
        {
            _building = false;
        }
    }
}
