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
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Placement;

/// <summary>
/// A sandbox with a scenario edit (faults, visibility windows), a migrated SQLite database and the app's real Batch,
/// EC2 and ECS clients against it, sharing one frozen clock.
/// </summary>
internal sealed class PlacementSandbox : IAsyncDisposable
{
    public static readonly AwsTarget Target = AwsOptions.DefaultSandboxTarget;

    private readonly string _dir;
    private readonly HttpClient _http = new();

    private PlacementSandbox(string dir, FakeTimeProvider clock, SandboxServer server, HarvestDatabase database)
    {
        _dir = dir;
        Clock = clock;
        Server = server;
        Database = database;
    }

    public FakeTimeProvider Clock { get; }

    public SandboxServer Server { get; }

    public HarvestDatabase Database { get; }

    /// <param name="scenarioEdit">JSON members put in place of the default scenario's empty "faults" section.</param>
    public static async Task<PlacementSandbox> StartAsync(string scenarioEdit = "\"faults\": {}")
    {
        var dir = Directory.CreateTempSubdirectory("bi-placement-").FullName;
        using var stream = typeof(SandboxServer).Assembly.GetManifestResourceStream(ScenarioLoader.DefaultResourceName)!;
        var text = await new StreamReader(stream).ReadToEndAsync();
        Assert.Contains("\"faults\": {}", text, StringComparison.Ordinal);
        var path = Path.Combine(dir, "scenario.json");
        await File.WriteAllTextAsync(path, text.Replace("\"faults\": {}", scenarioEdit, StringComparison.Ordinal));
        var clock = new FakeTimeProvider(SandboxFixture.Start);
        var server = await SandboxServer.StartAsync(new SandboxSettings
        {
            ScenarioPath = path,
            TargetJobCount = SandboxHarness.JobCount,
            TimeProvider = clock,
            RequestsPerSecond = 1_000_000,
            Burst = 1_000_000,
        }, CancellationToken.None);
        return new PlacementSandbox(dir, clock, server, await HarvestDatabase.CreateAsync());
    }

    private AwsCredentialSource Credentials => AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey);

    public EcsApiClient NewEcs() => new(_http, Target, Server.BaseAddress, Credentials, TestClients.FastPolicy, new TokenBucket(1_000, 1_000, TimeProvider.System), TimeProvider.System);

    public Ec2Api NewEc2() => new(Target, Server.BaseAddress, Credentials, TestClients.FastPolicy, new TokenBucket(1_000, 1_000, TimeProvider.System));

    /// <param name="into">Another database to harvest into (e.g. PostgreSQL); default: this sandbox's SQLite file.</param>
    public async Task HarvestBatchAsync(IDbContextFactory<BatchInsightsDbContext>? into = null)
    {
        var batch = new BatchApiClient(_http, Target, Server.BaseAddress, Credentials, TestClients.FastPolicy, new TokenBucket(1_000, 1_000, TimeProvider.System), TimeProvider.System);
        var harvester = new BatchHarvester(into ?? Database.Factory, _ => batch, new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), Clock, NullLogger<BatchHarvester>.Instance);
        await harvester.HarvestAsync(Target, CancellationToken.None);
    }

    public InstanceHarvester InstanceHarvester(IDbContextFactory<BatchInsightsDbContext>? into = null) =>
        new(into ?? Database.Factory, _ => NewEc2(), _ => NewEcs(), new HarvestNotifier(NullLogger<HarvestNotifier>.Instance), Clock, NullLogger<InstanceHarvester>.Instance);

    public async Task<(List<Ec2InstanceRow> Instances, List<ContainerInstanceRow> ContainerInstances, List<JobAttemptRow> Attempts)> ReadAsync()
    {
        await using var db = await Database.Factory.CreateDbContextAsync();
        return (await db.Ec2Instances.AsNoTracking().ToListAsync(),
            await db.ContainerInstances.AsNoTracking().ToListAsync(),
            await db.JobAttempts.AsNoTracking().ToListAsync());
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
}
