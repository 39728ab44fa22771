using BatchInsights.Core.Access;
using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Recommendations;
using BatchInsights.Tests.Web;
using BatchInsights.Web.Components.Pages.Apply;
using BatchInsights.Web.Components.Pages.Recommendations;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Tests.Apply;

/// <summary>The apply page against a sandbox over HTTP, the audit page and the recommendation's "applied" mark (bUnit).</summary>
public sealed class ApplyPagesTests : UiTestContext
{
    private const string Ce = "spot-bid60";

    public ApplyPagesTests()
    {
        Services.AddTransient<RecommendationStore>();
    }

    private static Recommendation BidRecommendation(RecommendationTargetKind kind = RecommendationTargetKind.ComputeEnvironment) => new(
        "spot-bid", new RecommendationTarget(ApplySandbox.Target.Account, ApplySandbox.Target.Region, kind, Ce), $"{Ce}: raise the Spot cap", "summary",
        [new ProposedChange("computeResources.bidPercentage", "60", "80")], new SavingsEstimate(50m, 20m, 80m),
        RecommendationConfidence.Medium, RecommendationSeverity.Warning, [], [], "b");

    private async Task<long> StoreAsync(Recommendation recommendation)
    {
        var store = Services.GetRequiredService<RecommendationStore>();
        await RecommendationStoreTests.StoreRunAsync(store, recommendation);
        return (await store.ListLatestAsync(Core.Browse.TargetFilter.From(null, null))).Single().Id;
    }

    private static IRenderedComponent<ApplyPage> TypeName(IRenderedComponent<ApplyPage> page, string name)
    {
        page.Find("input[data-testid=apply-confirm], [data-testid=apply-confirm] input").Input(name);
        return page;
    }

    private static bool ApplyDisabled(IRenderedComponent<ApplyPage> page) => page.Find("[data-testid=apply-button]").HasAttribute("disabled");

    [Fact]
    public async Task ApplyPage_Recommendation_ShowsTheDiffAndAppliesOnlyOnceTheNameIsTyped()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        Services.AddSingleton(sandbox.Service());
        var id = await StoreAsync(BidRecommendation());

        var page = Render<ApplyPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=apply-diff-row]")));
        var row = page.Find("[data-testid=apply-diff-row]");
        Assert.Equal("computeResources.bidPercentage", row.GetAttribute("data-field"));
        Assert.Equal(("60", "80"), (page.Find("[data-testid=apply-diff-before]").TextContent, page.Find("[data-testid=apply-diff-after]").TextContent));
        Assert.Equal("Infrastructure update", page.Find("[data-testid=apply-kind]").TextContent.Trim());
        Assert.Contains("--compute-resources '{\"bidPercentage\":80}'", page.Find("[data-testid=apply-cli]").TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(page.FindAll("[data-testid=apply-effect]"));
        Assert.True(ApplyDisabled(page));
        TypeName(page, "spot-bid6");
        page.WaitForAssertion(() => Assert.True(ApplyDisabled(page)));
        TypeName(page, Ce);
        page.WaitForAssertion(() => Assert.False(ApplyDisabled(page)));

        page.Find("[data-testid=apply-button]").Click();

        page.WaitForAssertion(() => Assert.Equal("Applied", page.Find("[data-testid=apply-result]").GetAttribute("data-outcome")));
        Assert.Equal(80, (await sandbox.DescribeAsync(Ce)).BidPercentage);
        Assert.Equal(1, sandbox.Batch.Updates);
        Assert.NotEmpty(page.Find("[data-testid=apply-request-id]").TextContent);
        // The audit log names the signed-in Operator.
        Assert.All(await Services.GetRequiredService<AuditLog>().ListAsync(), e => Assert.Equal("olga", e.Actor));
    }

    [Fact]
    public async Task ApplyPage_ViewerWhoseCircuitOutlivedTheirRole_IsRefusedAndNothingIsCalled()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        Services.AddSingleton(sandbox.Service());
        var id = await StoreAsync(BidRecommendation());
        var page = Render<ApplyPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=apply-diff-row]")));
        TypeName(page, Ce);
        page.WaitForAssertion(() => Assert.False(ApplyDisabled(page)));
        var describes = sandbox.Batch.ComputeEnvironmentDescribes;

        // The role change reaches the page as a new cascading authentication state: that must not reload the preview
        // (it used to, and the reload's end cleared the refusal below — a race the CI run lost once).
        SignInAs(Roles.Viewer, "victor");
        page.Find("[data-testid=apply-button]").Click();

        page.WaitForAssertion(() => Assert.Contains("Only an Operator or Admin", page.Markup, StringComparison.Ordinal));
        await Task.Delay(500);
        Assert.Contains("Only an Operator or Admin", page.Markup, StringComparison.Ordinal);
        Assert.Equal(describes, sandbox.Batch.ComputeEnvironmentDescribes);
        Assert.Equal(0, sandbox.Batch.Updates);
        Assert.Equal(60, (await sandbox.DescribeAsync(Ce)).BidPercentage);
    }

    [Fact]
    public async Task RecommendationDetail_Viewer_SeesNoApplyAndNoDismiss()
    {
        SignInAs(Roles.Viewer, "victor");
        var id = await StoreAsync(BidRecommendation());

        var page = Render<RecommendationDetailPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Contains("An Operator or Admin can apply", page.Find("[data-testid=apply-needs-operator]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=apply-open]"));
        Assert.Empty(page.FindAll("[data-testid=dismiss-button]"));
    }

    [Fact]
    public async Task AuditPage_Viewer_SeesTheLogButNoRollBack()
    {
        SignInAs(Roles.Viewer, "victor");
        await Services.GetRequiredService<AuditLog>().AppendAsync(new AuditDraft("alice", AuditAction.Apply, "sandbox", "us-east-1", Ce, AuditResult.Succeeded, "accepted",
            7, BeforeJson: "{\"computeEnvironmentName\":\"spot-bid60\"}", RequestJson: "{}", AfterJson: "{}", AwsRequestId: "req-123"));

        var page = RenderPage<AuditPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=audit-row]")));
        Assert.Empty(page.FindAll("[data-testid=rollback-button]"));
    }

    [Fact]
    public async Task ApplyPage_CeChangedAfterTheDiffWasShown_ShowsTheConflictAndTheNewDiff()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        Services.AddSingleton(sandbox.Service());
        var id = await StoreAsync(BidRecommendation());
        var page = Render<ApplyPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => Assert.Equal("60", page.Find("[data-testid=apply-diff-before]").TextContent));

        await sandbox.NewBatch().UpdateComputeEnvironmentAsync(new ComputeEnvironmentUpdate(Ce, BidPercentage: 70), CancellationToken.None);
        TypeName(page, Ce);
        page.WaitForAssertion(() => Assert.False(ApplyDisabled(page)));
        page.Find("[data-testid=apply-button]").Click();

        page.WaitForAssertion(() => Assert.Equal("Conflict", page.Find("[data-testid=apply-result]").GetAttribute("data-outcome")));
        Assert.Equal(("70", "80"), (page.Find("[data-testid=apply-diff-before]").TextContent, page.Find("[data-testid=apply-diff-after]").TextContent));
        Assert.Equal(0, sandbox.Batch.Updates);
        Assert.True(ApplyDisabled(page));
    }

    [Fact]
    public async Task ApplyPage_VpcRecommendation_SaysItIsNotAppliable()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        Services.AddSingleton(sandbox.Service());
        var id = await StoreAsync(BidRecommendation(RecommendationTargetKind.Vpc));

        var page = Render<ApplyPage>(p => p.Add(x => x.Id, id));

        page.WaitForAssertion(() => Assert.Contains("VPC change", page.Find("[data-testid=apply-not-appliable]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=apply-button]"));
    }

    [Fact]
    public async Task AuditPage_Entries_NewestFirstWithRollBackOnlyOnAcceptedApplies()
    {
        var log = Services.GetRequiredService<AuditLog>();
        var apply = await log.AppendAsync(new AuditDraft("alice", AuditAction.Apply, "sandbox", "us-east-1", Ce, AuditResult.Succeeded, "accepted",
            7, BeforeJson: "{\"computeEnvironmentName\":\"spot-bid60\"}", RequestJson: "{}", AfterJson: "{}", AwsRequestId: "req-123"));
        await log.AppendAsync(new AuditDraft("bob", AuditAction.PreviewRefused, "sandbox", "us-east-1", Ce, AuditResult.Refused, "name mismatch"));

        var page = RenderPage<AuditPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=audit-row]").Count));
        var rows = page.FindAll("[data-testid=audit-row]");
        Assert.Equal([AuditAction.PreviewRefused, AuditAction.Apply], rows.Select(r => r.GetAttribute("data-action")));
        Assert.Empty(rows[0].QuerySelectorAll("[data-testid=rollback-button]"));
        Assert.Equal($"/audit/{apply.Id}/rollback", rows[1].QuerySelector("[data-testid=rollback-button]")!.GetAttribute("href"));
        Assert.Equal("req-123", rows[1].QuerySelector("[data-testid=audit-request-id]")!.TextContent);
        Assert.NotNull(rows[1].QuerySelector("[data-testid=audit-before]"));
    }

    [Fact]
    public async Task RecommendationDetail_AcceptedApplyInTheLog_ShowsAppliedByAndTheApplyButton()
    {
        var id = await StoreAsync(BidRecommendation());
        var log = Services.GetRequiredService<AuditLog>();
        await log.AppendAsync(new AuditDraft("alice", AuditAction.Apply, "sandbox", "us-east-1", Ce, AuditResult.Failed, "AWS said no", id));

        var before = Render<RecommendationDetailPage>(p => p.Add(x => x.Id, id));
        before.WaitForAssertion(() => Assert.Equal($"/recommendations/{id}/apply", before.Find("[data-testid=apply-open]").GetAttribute("href")));
        Assert.Empty(before.FindAll("[data-testid=applied]"));

        await log.AppendAsync(new AuditDraft("alice", AuditAction.Apply, "sandbox", "us-east-1", Ce, AuditResult.Succeeded, "accepted", id));
        var after = Render<RecommendationDetailPage>(p => p.Add(x => x.Id, id));

        after.WaitForAssertion(() => Assert.Contains("Applied by alice at 2026-11-25 12:00 UTC", after.Find("[data-testid=applied]").TextContent, StringComparison.Ordinal));
    }
}
