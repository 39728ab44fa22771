using BatchInsights.Core.Apply;
using BatchInsights.Core.Recommendations;
using Microsoft.AspNetCore.Components;

namespace BatchInsights.Web.Components.Pages.Recommendations;

public partial class RecommendationDetailPage
{
    [Inject]
    private RecommendationStore Store { get; set; } = default!;

    [Parameter]
    public long Id { get; set; }

    [Inject]
    private AuditLog Audit { get; set; } = default!;

    private RecommendationDetail? Detail { get; set; }

    /// <summary>Whether the change can be applied from here (a CE change UpdateComputeEnvironment takes), or why not.</summary>
    private RecommendationChange? Change { get; set; }

    /// <summary>Derived from the audit log, not stored on the recommendation.</summary>
    private AppliedMark? Applied { get; set; }

    private string? Reason { get; set; }

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        Detail = await Store.GetAsync(Id, cancellationToken);
        Change = Detail is null ? null : ApplyService.FromRecommendation(Detail);
        Applied = Detail is null ? null : await Audit.AppliedAsync(Id, cancellationToken);
    }

    private Task DismissAsync(string actor) => RunAsync(async ct =>
    {
        if (string.IsNullOrWhiteSpace(Reason))
        {
            return;
        }

        await Store.DismissAsync(Id, Reason, actor, ct);
        Reason = null;
        await LoadAsync(ct);
    });
}
