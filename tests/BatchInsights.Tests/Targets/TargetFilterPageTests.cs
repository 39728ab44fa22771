using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using BatchInsights.Tests.Web;
using BatchInsights.Web.Components.Pages.Queues;
using BatchInsights.Web.Components.Shared;
using Bunit;
using MudBlazor;

namespace BatchInsights.Tests.Targets;

/// <summary>The shared account/region filter on a page, with the real queries over SQLite.</summary>
public sealed class TargetFilterPageTests : UiTestContext
{
    private void AddTwoAccounts()
    {
        var devQueue = Rows.Queue("dev-queue");
        devQueue.Account = "dev";
        devQueue.Arn = "arn:aws:batch:us-east-1:dev:job-queue/dev-queue";
        Db.Add(Rows.Queue("prod-queue"), devQueue,
            new HarvestRunRow { Account = Rows.Account, Region = Rows.Region, Kind = "batch", StartedAt = Rows.Now.UtcDateTime, Outcome = HarvestOutcome.Succeeded },
            new HarvestRunRow { Account = "dev", Region = Rows.Region, Kind = "batch", StartedAt = Rows.Now.UtcDateTime, Outcome = HarvestOutcome.Succeeded });
    }

    [Fact]
    public void QueuesPage_AccountInUrl_ShowsOnlyThatAccountsQueues()
    {
        AddTwoAccounts();
        Navigation.NavigateTo("/queues?account=dev");

        var page = RenderPage<QueuesPage>();

        page.WaitForAssertion(() => Assert.Equal(["dev-queue"], page.FindAll("[data-testid=queue-row]").Select(r => r.GetAttribute("data-queue"))));
        Assert.Single(page.FindAll("[data-testid=target-filter]"));
    }

    [Fact]
    public async Task TargetFilterSelect_AccountPicked_PutsItInTheUrlKeepingOtherParameters()
    {
        AddTwoAccounts();
        Navigation.NavigateTo("/jobs?status=FAILED");
        var filter = Render<TargetFilterSelect>();
        filter.WaitForAssertion(() => Assert.Single(filter.FindAll("[data-testid=target-filter]")));

        var account = filter.FindComponents<MudSelect<string>>()[0];
        await filter.InvokeAsync(() => account.Instance.ValueChanged.InvokeAsync("dev"));

        Assert.Equal("http://localhost/jobs?status=FAILED&account=dev", Navigation.Uri);
    }

    [Fact]
    public void TargetFilterSelect_OneTargetOnly_Hidden()
    {
        Db.Add(new HarvestRunRow { Account = Rows.Account, Region = Rows.Region, Kind = "batch", StartedAt = Rows.Now.UtcDateTime, Outcome = HarvestOutcome.Succeeded });

        var filter = Render<TargetFilterSelect>();

        Assert.Empty(filter.FindAll("[data-testid=target-filter]"));
    }
}
