using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using Microsoft.AspNetCore.Components;

namespace BatchInsights.Web.Components.Pages.Reports;

public partial class ReportsPage
{
    private IReadOnlyList<WeeklyReportSummary> _weeks = [];
    private IReadOnlyDictionary<IsoWeek, DeliverySummary> _deliveries = new Dictionary<IsoWeek, DeliverySummary>();
    private string? _weekText;
    private string _zoneId = "UTC";
    private bool _building;
    private string? _buildError;

    [Inject]
    private WeeklyReportService Reports { get; set; } = default!;

    [Inject]
    private ReportDeliveryService Deliveries { get; set; } = default!;

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
        _deliveries = await Deliveries.SummarizeAsync(cancellationToken);
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

    /// <summary>"3 sent · 1 failed" for the archive, or "not sent".</summary>
    private string DeliveryText(string week)
    {
        if (!_deliveries.TryGetValue(IsoWeek.Parse(week), out var d))
        {
            return "not sent";
        }

        var parts = new List<string>();
        if (d.Sent > 0) parts.Add($"{d.Sent} sent");
        if (d.InProgress > 0) parts.Add($"{d.InProgress} sending");
        if (d.Failed > 0) parts.Add($"{d.Failed} failed, retrying");
        if (d.GaveUp > 0) parts.Add($"{d.GaveUp} given up");
        return parts.Count == 0 ? "not sent" : string.Join(" · ", parts);
    }
}
