using System.Collections.Concurrent;
using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using BatchInsights.Core.Harvesting;
using BatchInsights.Sandbox;
using BatchInsights.Sandbox.Simulation;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Integration;
using BatchInsights.Tests.Sandbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Apply;

/// <summary>
/// A sandbox (lab-isolated made a BEST_FIT CE, which AWS cannot update in place), a migrated SQLite database, and the
/// app's ApplyService against both through the real Batch client, with every UpdateComputeEnvironment it makes counted.
/// One frozen clock for the sandbox and the service.
/// </summary>
internal sealed class ApplySandbox : IAsyncDisposable
{
    public static readonly AwsTarget Target = AwsOptions.DefaultSandboxTarget;

    public const string BestFitCe = "lab-isolated";

    private readonly string _dir;
    private readonly HttpClient _http = new();

    private ApplySandbox(string dir, FakeTimeProvider clock, SandboxServer server, HarvestDatabase database)
    {
        _dir = dir;
        Clock = clock;
        Server = server;
        Database = database;
        Batch = new CountingUpdates(NewBatch());
        Audit = new AuditLog(database.Factory, clock);
    }

    public FakeTimeProvider Clock { get; }

    public SandboxServer Server { get; }

    public HarvestDatabase Database { get; }

    /// <summary>The client ApplyService uses (all its calls go through it).</summary>
    public CountingUpdates Batch { get; }

    public RecordingFollowUp FollowUp { get; } = new();

    public AuditLog Audit { get; }

    public static async Task<ApplySandbox> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("bi-apply-").FullName;
        using var stream = typeof(SandboxServer).Assembly.GetManifestResourceStream(ScenarioLoader.DefaultResourceName)!;
        var text = await new StreamReader(stream).ReadToEndAsync();
        const string LabIsolated = "\"name\": \"lab-isolated\",\n      \"type\": \"EC2\",\n      \"allocationStrategy\": \"BEST_FIT_PROGRESSIVE\"";
        Assert.Contains(LabIsolated, text, StringComparison.Ordinal);
        var path = Path.Combine(dir, "scenario.json");
        await File.WriteAllTextAsync(path, text.Replace(LabIsolated, LabIsolated.Replace("BEST_FIT_PROGRESSIVE", "BEST_FIT", StringComparison.Ordinal), StringComparison.Ordinal));
        var clock = new FakeTimeProvider(SandboxFixture.Start);
        var server = await SandboxServer.StartAsync(new SandboxSettings
        {
            ScenarioPath = path,
            TargetJobCount = SandboxHarness.JobCount,
            TimeProvider = clock,
            RequestsPerSecond = 1_000_000,
            Burst = 1_000_000,
        }, CancellationToken.None);
        return new ApplySandbox(dir, clock, server, await HarvestDatabase.CreateAsync());
    }

    /// <param name="enabled">Apply:Enabled; null = the default (on).</param>
    public ApplyService Service(bool? enabled = null, IReadOnlyList<string>? iacTags = null) => new(
        _ => Batch,
        [Target],
        Audit,
        FollowUp,
        Options.Create(new ApplyOptions { Enabled = enabled, IacTags = iacTags?.ToArray() }),
        Clock,
        NullLogger<ApplyService>.Instance);

    private AwsCredentialSource Credentials => AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey);

    /// <summary>Another client of the same account (a colleague, Terraform…), not counted.</summary>
    public BatchApiClient NewBatch() =>
        new(_http, Target, Server.BaseAddress, Credentials, TestClients.FastPolicy, new TokenBucket(1_000, 1_000, TimeProvider.System), TimeProvider.System);

    public Ec2Api NewEc2() => new(Target, Server.BaseAddress, Credentials, TestClients.FastPolicy, new TokenBucket(1_000, 1_000, TimeProvider.System));

    public async Task<ComputeEnvironmentSnapshot> DescribeAsync(string name) =>
        (await NewBatch().DescribeComputeEnvironmentsAsync(CancellationToken.None)).Single(c => c.Name == name);

    public async Task HarvestBatchAsync()
    {
        var harvester = new BatchHarvester(Database.Factory, _ => NewBatch(), new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), Clock, NullLogger<BatchHarvester>.Instance);
        await harvester.HarvestAsync(Target, CancellationToken.None);
    }

    public async Task<List<AuditEntryRow>> AuditRowsAsync()
    {
        await using var db = await Database.Factory.CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Database.DisposeAsync();
        _http.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless.
        }
    }

    /// <summary>The real client, with the UpdateComputeEnvironment calls made through it counted.</summary>
    internal sealed class CountingUpdates(IBatchApi inner) : IBatchApi
    {
        private int _updates;
        private int _describes;

        public int Updates => Volatile.Read(ref _updates);

        public int ComputeEnvironmentDescribes => Volatile.Read(ref _describes);

        public AwsTarget Target => inner.Target;

        public AwsCallStats Stats => inner.Stats;

        public Task<IReadOnlyList<ComputeEnvironmentSnapshot>> DescribeComputeEnvironmentsAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _describes);
            return inner.DescribeComputeEnvironmentsAsync(cancellationToken);
        }

        public Task<IReadOnlyList<JobQueueSnapshot>> DescribeJobQueuesAsync(CancellationToken cancellationToken) => inner.DescribeJobQueuesAsync(cancellationToken);

        public Task<IReadOnlyList<JobDefinitionSnapshot>> DescribeJobDefinitionsAsync(CancellationToken cancellationToken) => inner.DescribeJobDefinitionsAsync(cancellationToken);

        public Task<JobListPage> ListJobsAsync(Core.Aws.ListJobsQuery query, CancellationToken cancellationToken) => inner.ListJobsAsync(query, cancellationToken);

        public Task<IReadOnlyList<JobSnapshot>> DescribeJobsAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken) =>
            inner.DescribeJobsAsync(jobIds, cancellationToken);

        public Task<ComputeEnvironmentUpdateResult> UpdateComputeEnvironmentAsync(ComputeEnvironmentUpdate update, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _updates);
            return inner.UpdateComputeEnvironmentAsync(update, cancellationToken);
        }
    }

    /// <summary>Records what ApplyService asked to look at later; the test runs the look itself.</summary>
    internal sealed class RecordingFollowUp : IApplyFollowUp
    {
        public ConcurrentQueue<long> Scheduled { get; } = new();

        public void Schedule(long applyAuditId, TimeSpan delay) => Scheduled.Enqueue(applyAuditId);
    }
}
