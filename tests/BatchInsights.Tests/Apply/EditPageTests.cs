using BatchInsights.Core.Access;
using BatchInsights.Core.Apply;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Web;
using BatchInsights.Web.Components.Pages.Apply;
using BatchInsights.Web.Components.Pages.ComputeEnvironments;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace BatchInsights.Tests.Apply;

/// <summary>The "Edit…" entry into the apply flow: the CE page's button and the edit form on the apply page, against a sandbox over HTTP (bUnit).</summary>
public sealed class EditPageTests : UiTestContext
{
    private const string SpotCe = "spot-bid60";
    private const string OnDemandCe = "od-general";

    public EditPageTests()
    {
        // The apply page also serves recommendations; its store must resolve even on the edit route.
        Services.AddTransient<RecommendationStore>();
    }

    /// <summary>The edit page as the CE page links it (account and region in the query), after the MudBlazor providers.</summary>
    private IRenderedComponent<ApplyPage> RenderEdit(string ce)
    {
        Navigation.NavigateTo($"/compute-environments/{ce}/edit?account={ApplySandbox.Target.Account}&region={ApplySandbox.Target.Region}");
        var host = Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<ApplyPage>(1);
            builder.AddAttribute(2, nameof(ApplyPage.Name), ce);
            builder.CloseComponent();
        });
        var page = host.FindComponent<ApplyPage>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=edit-review]")));
        return page;
    }

    private static string InputValue(IRenderedComponent<ApplyPage> page, string testId) =>
        page.Find($"input[data-testid={testId}], [data-testid={testId}] input").GetAttribute("value") ?? "";

    private static void Type(IRenderedComponent<ApplyPage> page, string testId, string text) =>
        page.Find($"input[data-testid={testId}], [data-testid={testId}] input").Input(text);

    private static bool ApplyDisabled(IRenderedComponent<ApplyPage> page) => page.Find("[data-testid=apply-button]").HasAttribute("disabled");

    [Fact]
    public async Task EditPage_OperatorRaisesMaxvCpus_DiffShowsOnlyMaxAndTheSandboxCeChanges()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        Services.AddSingleton(sandbox.Service());
        var page = RenderEdit(SpotCe);
        // Prefilled from the CE as the sandbox (AWS) describes it.
        Assert.Equal("2048", InputValue(page, "edit-max"));
        Assert.Equal("60", InputValue(page, "edit-bid"));
        Assert.Equal("m5, c5, r5", InputValue(page, "edit-types"));

        Type(page, "edit-max", "3000");
        page.Find("[data-testid=edit-review]").Click();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=apply-diff-row]")));
        Assert.Equal("computeResources.maxvCpus", page.Find("[data-testid=apply-diff-row]").GetAttribute("data-field"));
        Assert.Equal(("2048", "3000"), (page.Find("[data-testid=apply-diff-before]").TextContent, page.Find("[data-testid=apply-diff-after]").TextContent));
        Assert.Equal("Scaling update", page.Find("[data-testid=apply-kind]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=apply-rejection]"));
        Assert.True(ApplyDisabled(page));
        page.Find("input[data-testid=apply-confirm], [data-testid=apply-confirm] input").Input(SpotCe);
        page.WaitForAssertion(() => Assert.False(ApplyDisabled(page)));

        page.Find("[data-testid=apply-button]").Click();

        page.WaitForAssertion(() => Assert.Equal("Applied", page.Find("[data-testid=apply-result]").GetAttribute("data-outcome")));
        var after = await sandbox.DescribeAsync(SpotCe);
        Assert.Equal(3000, after.MaxvCpus);
        Assert.Equal(60, after.BidPercentage);
        Assert.Equal(1, sandbox.Batch.Updates);
        // The audit entry names the Operator and no recommendation: the change came from the edit form.
        var applied = Assert.Single(await sandbox.Audit.ListAsync(), e => e.Action == AuditAction.Apply);
        Assert.Equal(("olga", (long?)null), (applied.Actor, applied.RecommendationId));
    }

    [Fact]
    public async Task EditPage_DesiredvCpusBelowCurrent_ShowsTheAwsRejectionAndSendsNothing()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        Services.AddSingleton(sandbox.Service());
        var desiredNow = (await sandbox.DescribeAsync(OnDemandCe)).DesiredvCpus;
        Assert.True(desiredNow > 0, "the scenario's od-general CE must have a desiredvCpus above 0 for this test");
        var page = RenderEdit(OnDemandCe);

        Type(page, "edit-desired", (desiredNow!.Value - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        page.Find("[data-testid=edit-review]").Click();

        page.WaitForAssertion(() => Assert.Contains("is below the current", page.Find("[data-testid=apply-rejection]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Manually scaling down compute environment is not supported", page.Find("[data-testid=apply-rejection]").TextContent, StringComparison.Ordinal);
        Assert.Equal("computeResources.desiredvCpus", page.Find("[data-testid=apply-diff-row]").GetAttribute("data-field"));
        page.Find("input[data-testid=apply-confirm], [data-testid=apply-confirm] input").Input(OnDemandCe);
        Assert.True(ApplyDisabled(page));
        page.Find("[data-testid=apply-button]").Click();
        Assert.Empty(page.FindAll("[data-testid=apply-result]"));
        Assert.Equal(0, sandbox.Batch.Updates);
        Assert.Equal(desiredNow, (await sandbox.DescribeAsync(OnDemandCe)).DesiredvCpus);
    }

    [Fact]
    public async Task EditPage_UnreadableVcpus_SaysSoNextToTheFieldAndPreviewsNothing()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        Services.AddSingleton(sandbox.Service());
        var page = RenderEdit(SpotCe);

        Type(page, "edit-max", "abc");
        page.Find("[data-testid=edit-review]").Click();

        page.WaitForAssertion(() => Assert.Contains("'abc' is not a whole number: enter maxvCpus as digits only", page.Find("[data-testid=edit-form]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=apply-diff]"));
        Assert.Empty(page.FindAll("[data-testid=apply-button]"));
        Assert.Equal(0, sandbox.Batch.Updates);
        Assert.Equal(2048, (await sandbox.DescribeAsync(SpotCe)).MaxvCpus);
    }

    [Fact]
    public async Task EditPage_AccountNotConfigured_SaysSoAndShowsNoForm()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        Services.AddSingleton(sandbox.Service());
        Navigation.NavigateTo($"/compute-environments/{SpotCe}/edit?account=999999999999&region={ApplySandbox.Target.Region}");

        var page = Render<ApplyPage>(p => p.Add(x => x.Name, SpotCe));

        page.WaitForAssertion(() => Assert.Contains("999999999999/" + ApplySandbox.Target.Region + " is not a configured target", page.Markup, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=edit-form]"));
    }

    [Fact]
    public void ComputeEnvironmentPage_Operator_SeesEditLinkingToTheEditRouteWithAccountAndRegion()
    {
        Db.Add(Rows.Ce("ce-1"));
        var page = Render<ComputeEnvironmentPage>(p => p.Add(x => x.Name, "ce-1"));

        page.WaitForAssertion(() => Assert.Equal(
            $"/compute-environments/ce-1/edit?account={Rows.Account}&region={Rows.Region}",
            page.Find("[data-testid=ce-edit]").GetAttribute("href")));
    }

    [Fact]
    public void ComputeEnvironmentPage_UnmanagedCe_HasNoEditEvenForAnOperator()
    {
        var unmanaged = Rows.Ce("ce-unmanaged");
        unmanaged.Type = "UNMANAGED";
        unmanaged.ResourceType = null;
        Db.Add(unmanaged);

        var page = Render<ComputeEnvironmentPage>(p => p.Add(x => x.Name, "ce-unmanaged"));

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=ce-detail]")));
        Assert.Empty(page.FindAll("[data-testid=ce-edit]"));
    }

    [Fact]
    public void ComputeEnvironmentPage_Viewer_SeesNoEdit()
    {
        SignInAs(Roles.Viewer, "victor");
        Db.Add(Rows.Ce("ce-1"));

        var page = Render<ComputeEnvironmentPage>(p => p.Add(x => x.Name, "ce-1"));

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=ce-detail]")));
        Assert.Empty(page.FindAll("[data-testid=ce-edit]"));
    }
}
