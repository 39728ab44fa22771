using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Recommendations;
using BatchInsights.Web.Endpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchInsights.Tests.Apply;

/// <summary>The JSON handlers with the real service against a sandbox: status codes a client acts on.</summary>
public sealed class ApplyEndpointsTests
{
    // The signed-in Operator the endpoint records as the actor (what the cookie or API token handler produces).
    private static readonly System.Security.Claims.ClaimsPrincipal Carol = new(new System.Security.Claims.ClaimsIdentity(
        [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, "carol"), new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, "Operator")], "test"));

    [Fact]
    public async Task PreviewThenApply_FromRecommendation_200ThenStaleToken409AndAuditListsBoth()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        var service = sandbox.Service();
        var store = new RecommendationStore(sandbox.Database.Factory, sandbox.Clock);
        await RecommendationStoreTests.StoreRunAsync(store, new Recommendation("max-vcpus",
            new RecommendationTarget(ApplySandbox.Target.Account, ApplySandbox.Target.Region, RecommendationTargetKind.ComputeEnvironment, "gpu-od"),
            "t", "s", [new ProposedChange("computeResources.maxvCpus", "256", "512")], SavingsEstimate.None,
            RecommendationConfidence.High, RecommendationSeverity.Warning, [], [], "b"));
        var recommendationId = (await store.ListLatestAsync(Core.Browse.TargetFilter.From(null, null))).Single().Id;
        AwsTarget[] targets = [ApplySandbox.Target];

        var preview = Assert.IsType<Ok<ApplyPreview>>(await ApplyEndpoints.PreviewAsync(service, store, targets, "gpu-od",
            new PreviewBody(RecommendationId: recommendationId), null, null, CancellationToken.None)).Value!;
        var stale = await ApplyEndpoints.ApplyAsync(service, store, targets, "gpu-od",
            new ApplyBody(RecommendationId: recommendationId, Token: "stale", ConfirmName: "gpu-od"), null, null, Carol, CancellationToken.None);
        var applied = await ApplyEndpoints.ApplyAsync(service, store, targets, "gpu-od",
            new ApplyBody(RecommendationId: recommendationId, Token: preview.Token, ConfirmName: "gpu-od"), null, null, Carol, CancellationToken.None);
        var missing = await ApplyEndpoints.PreviewAsync(service, store, targets, "no-such-ce", new PreviewBody(Change: new ChangeBody(MaxvCpus: 8)), null, null, CancellationToken.None);
        var audit = Assert.IsType<Ok<IReadOnlyList<AuditEntry>>>(await ApplyEndpoints.ListAuditAsync(sandbox.Audit, null, null, CancellationToken.None)).Value!;

        Assert.Equal(ChangeKind.Scaling, preview.Plan.Kind);
        Assert.Equal(StatusCodes.Status409Conflict, Assert.IsAssignableFrom<IStatusCodeHttpResult>(stale).StatusCode);
        Assert.Equal(StatusCodes.Status200OK, Assert.IsAssignableFrom<IStatusCodeHttpResult>(applied).StatusCode);
        Assert.Equal(StatusCodes.Status404NotFound, Assert.IsAssignableFrom<IStatusCodeHttpResult>(missing).StatusCode);
        Assert.Equal(512, (await sandbox.DescribeAsync("gpu-od")).MaxvCpus);
        // Newest first: the scaling update's outcome (VALID at once), the apply, the conflict.
        Assert.Equal([AuditAction.Outcome, AuditAction.Apply, AuditAction.Conflict], audit.Select(e => e.Action));
        Assert.Equal("carol", audit[1].Actor);
        Assert.Equal(AuditResult.Valid, audit[0].Result);
    }
}
