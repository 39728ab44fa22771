using BatchInsights.Core.Browse;
using BatchInsights.Core.Recommendations;
using BatchInsights.Tests.Browse;
using Microsoft.Extensions.Time.Testing;
using static BatchInsights.Tests.Recommendations.RecommendationCases;

namespace BatchInsights.Tests.Recommendations;

public sealed class RecommendationStoreTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly FakeTimeProvider _clock = new(Rows.Now);

    internal static Recommendation Sample(string target = "ce", decimal savings = 120m, string proposed = "r6i.large") => new(
        "instance-types",
        new RecommendationTarget(Account, Region, RecommendationTargetKind.ComputeEnvironment, target),
        $"{target}: use {proposed}",
        "summary",
        [new ProposedChange("computeResources.instanceTypes", "optimal", proposed)],
        new SavingsEstimate(savings, savings / 2, savings * 2),
        RecommendationConfidence.High,
        RecommendationSeverity.Warning,
        [EvidenceItem.Chart(EvidenceKind.Histogram, "shapes", ["a", "b"], [new("Jobs", [1, 2])])],
        ["assumed"],
        RecommendationFingerprint.SavingsBucket(savings));

    internal static async Task StoreRunAsync(RecommendationStore store, params Recommendation[] recommendations)
    {
        var run = await store.StartRunAsync();
        await store.CompleteRunAsync(run, recommendations, 10);
    }

    [Fact]
    public void Fingerprint_SameAdviceAndBucket_IsStableAndChangesWithEvidenceOrChange()
    {
        Assert.Equal(Sample().Fingerprint, Sample().Fingerprint);
        Assert.Equal(Sample(savings: 120).Fingerprint, Sample(savings: 125).Fingerprint); // same power-of-two bucket
        Assert.NotEqual(Sample(savings: 120).Fingerprint, Sample(savings: 300).Fingerprint);
        Assert.NotEqual(Sample().Fingerprint, Sample(proposed: "r6i.xlarge").Fingerprint);
        Assert.NotEqual(Sample().Fingerprint, Sample(target: "other").Fingerprint);
    }

    [Fact]
    public async Task Dismiss_SameEvidenceNextRun_StaysHiddenUntilEvidenceChanges()
    {
        var store = new RecommendationStore(_db.Factory, _clock);
        await StoreRunAsync(store, Sample(), Sample("other", 50m));
        var first = (await store.ListLatestAsync(TargetFilter.From(null, null))).Single(r => r.TargetName == "ce");

        Assert.True(await store.DismissAsync(first.Id, "planned migration", "alice"));
        await StoreRunAsync(store, Sample(savings: 125m), Sample("other", 50m));
        var second = await store.ListLatestAsync(TargetFilter.From(null, null));
        var withDismissed = await store.ListLatestAsync(TargetFilter.From(null, null), includeDismissed: true);
        await StoreRunAsync(store, Sample(savings: 400m), Sample("other", 50m));
        var third = await store.ListLatestAsync(TargetFilter.From(null, null));

        Assert.Equal(["other"], second.Select(r => r.TargetName));
        Assert.Equal("planned migration", withDismissed.Single(r => r.TargetName == "ce").Dismissal!.Reason);
        Assert.Equal(["ce", "other"], third.Select(r => r.TargetName)); // savings tripled: new evidence, back and first
    }

    [Fact]
    public async Task Get_StoredRecommendation_RoundTripsChangesEvidenceAndHistory()
    {
        var store = new RecommendationStore(_db.Factory, _clock);
        await StoreRunAsync(store, Sample());
        await StoreRunAsync(store, Sample(savings: 130m));
        var latest = (await store.ListLatestAsync(TargetFilter.From(null, null))).Single();

        var detail = await store.GetAsync(latest.Id);

        Assert.NotNull(detail);
        Assert.Equal(130m, detail.Recommendation.MonthlySavingsUsd);
        Assert.Equal("r6i.large", Assert.Single(detail.Changes).ProposedValue);
        var evidence = Assert.Single(detail.Evidence);
        Assert.Equal(EvidenceKind.Histogram, evidence.Kind);
        Assert.Equal([1.0, 2.0], evidence.Series[0].Values);
        Assert.Single(detail.History);
        Assert.Null(await store.GetAsync(999_999));
    }

    public void Dispose() => _db.Dispose();
}
