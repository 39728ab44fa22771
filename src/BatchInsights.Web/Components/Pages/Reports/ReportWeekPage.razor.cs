using BatchInsights.Core.Reports;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace BatchInsights.Web.Components.Pages.Reports;

public partial class ReportWeekPage
{
    private WeeklyReport? _report;
    private IReadOnlyList<ReportTable> _tables = [];
    private List<ChartSeries<double>> _chartSeries = [];
    private string[] _chartLabels = [];
    private string? _badWeek;
    private bool _building;
    private string? _buildError;

    [Parameter]
    public string Week { get; set; } = "";

    [Inject]
    private WeeklyReportService Reports { get; set; } = default!;

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        _badWeek = null;
        if (!IsoWeek.TryParse(Week, out var week))
        {
            _badWeek = $"'{Week}' is not an ISO week; use YYYY-Www, e.g. 2026-W47.";
            _report = null;
            return;
        }

        _report = await Reports.GetAsync(week, cancellationToken);
        _tables = _report is null ? [] : ReportTables.All(_report);
        (_chartSeries, _chartLabels) = _report is null ? ([], []) : ReportWeekView.Chart(_report);
    }

    private async Task BuildAsync()
    {
        _buildError = null;
        _building = true;
        try
        {
            await Reports.BuildAsync(IsoWeek.Parse(Week), Aborted);
            await ReloadAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _buildError = $"Building {Week} failed: {ex.Message}";
        }
        finally
        {
            _building = false;
        }
    }
}
