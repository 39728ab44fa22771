using BatchInsights.Core.Recommendations;
using Microsoft.AspNetCore.Components;

namespace BatchInsights.Web.Components.Pages.Recommendations;

public partial class RecommendationDetailPage
{
    [Inject]
    private RecommendationStore Store { get; set; } = default!;

    [Parameter]
    public long Id { get; set; }

    private RecommendationDetail? Detail { get; set; }

    private string? Reason { get; set; }

    protected override async Task LoadAsync(CancellationToken cancellationToken) =>
        Detail = await Store.GetAsync(Id, cancellationToken);

    private Task DismissAsync() => RunAsync(async ct =>
    {
        if (string.IsNullOrWhiteSpace(Reason))
        {
            return;
        }

        // No sign-in yet (issue 6): the dismissal is recorded as "anonymous".
        await Store.DismissAsync(Id, Reason, "anonymous", ct);
        Reason = null;
        await LoadAsync(ct);
    });
}
