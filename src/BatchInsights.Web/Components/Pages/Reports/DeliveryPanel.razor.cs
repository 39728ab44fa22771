using System.Globalization;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace BatchInsights.Web.Components.Pages.Reports;

/// <summary>Each recipient's and channel's delivery of <see cref="Week"/>: state, attempts, last error; Send now and Retry.</summary>
public partial class DeliveryPanel
{
    [Inject]
    private ReportDeliveryService Delivery { get; set; } = default!;

    [Inject]
    private IOptions<ReportOptions> Options { get; set; } = default!;

    [Parameter, EditorRequired]
    public IsoWeek Week { get; set; }

    private IReadOnlyList<DeliveryStatus> Statuses { get; set; } = [];

    private bool Busy { get; set; }

    private int MaxAttempts => Options.Value.MaxAttempts;

    protected override async Task LoadAsync(CancellationToken cancellationToken) =>
        Statuses = await Delivery.ListAsync(Week, cancellationToken);

    private Task SendNowAsync() => WhileBusyAsync(async ct => Statuses = await Delivery.SendWeekAsync(Week, ct));

    private Task RetryAsync(long id) => WhileBusyAsync(async ct =>
    {
        await Delivery.RetryAsync(id, ct);
        await LoadAsync(ct);
    });

    private async Task WhileBusyAsync(Func<CancellationToken, Task> action)
    {
        Busy = true;
        try
        {
            await RunAsync(action);
        }
        finally
        {
            Busy = false;
        }
    }

    internal static Color StateColor(DeliveryState state) => state switch
    {
        DeliveryState.Sent => Color.Success,
        DeliveryState.Failed => Color.Warning,
        DeliveryState.GaveUp => Color.Error,
        DeliveryState.Sending or DeliveryState.Pending => Color.Info,
        _ => Color.Default,
    };

    internal static string StateText(DeliveryState state) => state switch
    {
        DeliveryState.NotSent => "Not sent",
        DeliveryState.GaveUp => "Gave up",
        _ => state.ToString(),
    };

    private static string When(DeliveryStatus s) => s switch
    {
        { SentAt: { } sent } => "sent " + Utc(sent),
        { State: DeliveryState.Failed, NextAttemptAt: { } next } => "retry at " + Utc(next),
        { State: DeliveryState.Failed } => "retried only by hand",
        _ => "",
    };

    private static string Utc(DateTime t) => t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";
}
