using System.Diagnostics;
using System.Globalization;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace BatchInsights.Tests.Integration;

/// <summary>One sandbox account, back-filled once into a fresh database by the real harvester.</summary>
public sealed class BackfilledSandboxFixture : IAsyncLifetime
{
    internal SandboxHarness Harness { get; private set; } = null!;

    internal HarvestDatabase Database { get; private set; } = null!;

    internal CountingBatchApi Api { get; private set; } = null!;

    internal HarvestRunRow Run { get; private set; } = null!;

    internal TimeSpan Elapsed { get; private set; }

    public async Task InitializeAsync()
    {
        Harness = await SandboxHarness.StartAsync();
        Database = await HarvestDatabase.CreateAsync();
        Api = new CountingBatchApi(Harness.NewClient());
        var watch = Stopwatch.StartNew();
        Run = await Harness.HarvestAsync(Database, Api);
        Elapsed = watch.Elapsed;
    }

    public async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await Harness.DisposeAsync();
    }
}

/// <summary>Test classes sharing one <see cref="BackfilledSandboxFixture"/> (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class BackfilledSandboxCollection : ICollectionFixture<BackfilledSandboxFixture>
{
    public const string Name = "Back-filled sandbox";
}

[Collection(BackfilledSandboxCollection.Name)]
public sealed class SandboxBackfillTests(BackfilledSandboxFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task HarvestAsync_Backfill_StoresExactlyTheJobsListedPerQueueAndStatusIncludingArrayChildren()
    {
        var listed = await ListedAccount.ListEverythingAsync(fixture.Harness.NewClient());

        var stored = await fixture.Database.JobsAsync();

        ListedAccount.AssertSameJobs(listed, ListedAccount.AsListed(stored));
        Assert.Contains(stored, j => j.ArrayParentId is not null);
        Assert.True(stored.Count >= SandboxHarness.JobCount / 2, $"only {stored.Count} jobs: the scenario is smaller than intended");
        Assert.Equal(HarvestOutcome.Succeeded, fixture.Run.Outcome);
        Assert.Equal(stored.Count, fixture.Run.JobsWritten);
    }

    [Fact]
    public async Task HarvestAsync_Backfill_StoresTheComputeEnvironmentsQueuesAndJobDefinitionsDescribed()
    {
        var client = fixture.Harness.NewClient();
        var ces = await client.DescribeComputeEnvironmentsAsync(CancellationToken.None);
        var queues = await client.DescribeJobQueuesAsync(CancellationToken.None);
        var definitions = await client.DescribeJobDefinitionsAsync(CancellationToken.None);

        await using var db = await fixture.Database.Factory.CreateDbContextAsync();

        Assert.Equal(
            ces.Select(c => (c.Arn, c.Name, c.Type, c.State, c.Status, c.ResourceType, string.Join(',', c.InstanceTypes), c.MinvCpus, c.MaxvCpus, c.BidPercentage)).OrderBy(x => x.Arn),
            (await db.ComputeEnvironments.AsNoTracking().OrderBy(c => c.Arn).ToListAsync())
                .Select(c => (c.Arn, c.Name, c.Type, c.State, c.Status, c.ResourceType, c.InstanceTypes, c.MinvCpus, c.MaxvCpus, c.BidPercentage)));
        Assert.Equal(
            queues.Select(q => (q.Arn, q.Name, q.State, q.Priority, string.Join(',', q.ComputeEnvironmentOrder.OrderBy(o => o.Order).Select(o => o.ComputeEnvironmentArn)))).OrderBy(x => x.Arn),
            (await db.JobQueues.AsNoTracking().OrderBy(q => q.Arn).ToListAsync()).Select(q => (q.Arn, q.Name, q.State, q.Priority, q.ComputeEnvironmentOrder)));
        Assert.Equal(
            definitions.Select(d => (d.Arn, d.Name, d.Revision, d.Type, d.Vcpus, d.MemoryMib, d.Gpus, d.NumNodes)).OrderBy(x => x.Arn, StringComparer.Ordinal),
            (await db.JobDefinitions.AsNoTracking().ToListAsync())
                .Select(d => (d.Arn, d.Name, d.Revision, d.Type, d.Vcpus, d.MemoryMib, d.Gpus, d.NumNodes)).OrderBy(x => x.Arn, StringComparer.Ordinal));
        Assert.Equal(6, queues.Count);
        Assert.Equal((ces.Count, queues.Count), (fixture.Run.ComputeEnvironments, fixture.Run.Queues));
    }

    [Fact]
    public async Task HarvestAsync_Backfill_StoresEveryDescribedJobWithDescribeJobsAttempts()
    {
        var stored = (await fixture.Database.JobsAsync()).Where(j => !j.FromSummary).ToList();
        var storedAttempts = (await fixture.Database.AttemptsAsync()).ToLookup(a => a.JobId);

        var described = await fixture.Harness.NewClient().DescribeJobsAsync(stored.Select(j => j.JobId).ToList(), CancellationToken.None);

        Assert.Equal(stored.Count, described.Count);
        var byId = stored.ToDictionary(j => j.JobId);
        foreach (var job in described)
        {
            var row = byId[job.JobId];
            Assert.Equal(
                (job.Status, job.CreatedAtMs, job.StartedAtMs, job.StoppedAtMs, job.JobDefinitionArn, job.Vcpus, job.MemoryMib, job.ExitCode, job.Attempts.Count),
                (row.Status, row.CreatedAtMs, row.StartedAtMs, row.StoppedAtMs, row.JobDefinitionArn, row.Vcpus, row.MemoryMib, row.ExitCode, row.AttemptCount));
            Assert.Equal(
                job.Attempts.Select(a => (a.Index, a.ContainerInstanceArn, a.TaskArn, a.StartedAtMs, a.StoppedAtMs, a.ExitCode, a.Reason, a.StatusReason, a.LogStreamName)),
                storedAttempts[job.JobId].Select(a => (a.AttemptIndex, a.ContainerInstanceArn, a.TaskArn, a.StartedAtMs, a.StoppedAtMs, a.ExitCode, a.Reason, a.StatusReason, a.LogStreamName)));
        }

        // The scenario retries spot reclaims: some jobs must have more than one attempt for this to mean much.
        Assert.Contains(described, j => j.Attempts.Count > 1);
    }

    [Fact]
    public async Task HarvestAsync_Backfill_NeedsAtMost25CallsPer1000Jobs()
    {
        var jobs = (await fixture.Database.JobsAsync()).Count;
        var run = fixture.Run;

        var callsPer1000 = run.Calls * 1000.0 / jobs;

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Back-fill of {jobs} jobs: {run.Calls} HTTP calls = {callsPer1000:0.0} per 1,000 jobs; harvest took {fixture.Elapsed.TotalSeconds:0.00} s"));
        output.WriteLine(string.Join(", ", fixture.Api.Calls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}")));
        Assert.Equal(fixture.Api.Stats.Calls, run.Calls);
        Assert.True(callsPer1000 <= 25, string.Create(CultureInfo.InvariantCulture, $"{callsPer1000:0.0} calls per 1,000 jobs (target: at most 25)"));
    }
}
