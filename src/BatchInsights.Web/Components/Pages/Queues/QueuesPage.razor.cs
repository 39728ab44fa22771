using BatchInsights.Core.Browse;
using Microsoft.AspNetCore.Components;

namespace BatchInsights.Web.Components.Pages.Queues;

public partial class QueuesPage
{
    [Inject]
    private QueueQueries QueueQueries { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "account")]
    public string? Account { get; set; }

    [SupplyParameterFromQuery(Name = "region")]
    public string? Region { get; set; }

    private IReadOnlyList<QueueSummary> Queues { get; set; } = [];

    protected override async Task LoadAsync(CancellationToken cancellationToken) =>
        Queues = await QueueQueries.ListAsync(TargetFilter.From(Account, Region), cancellationToken);

    internal static string JobsLink(string queue, string? status) =>
        "/jobs?queue=" + Uri.EscapeDataString(queue) + (status is null ? "" : "&status=" + status);
}
