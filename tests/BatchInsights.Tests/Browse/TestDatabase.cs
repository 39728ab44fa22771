using BatchInsights.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Tests.Browse;

/// <summary>A real SQLite file in a temp directory, with the app's model, deleted on dispose.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bi-browse-" + Guid.NewGuid().ToString("N"));

    public TestDatabase()
    {
        Directory.CreateDirectory(_directory);
        var options = new DatabaseOptions
        {
            Provider = DatabaseProvider.Sqlite,
            ConnectionString = $"Data Source={Path.Combine(_directory, "test.db")};Pooling=False",
        };
        Factory = new SimpleFactory(DataServiceCollectionExtensions.CreateOptions(options));
        using var db = Factory.CreateDbContext();
        // The schema of the model (migrations are generated elsewhere and validated against the model by CI).
        db.Database.EnsureCreated();
    }

    public IDbContextFactory<BatchInsightsDbContext> Factory { get; }

    public void Add(params object[] rows)
    {
        using var db = Factory.CreateDbContext();
        db.AddRange(rows);
        db.SaveChanges();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A handle still closing on a slow machine: the temp dir is cleaned by the OS eventually.
        }
    }

    private sealed class SimpleFactory(DbContextOptions<BatchInsightsDbContext> options) : IDbContextFactory<BatchInsightsDbContext>
    {
        public BatchInsightsDbContext CreateDbContext() => new(options);
    }
}

/// <summary>Rows with sensible defaults; tests vary them with object initializers.</summary>
public static class Rows
{
    public const string Account = "123456789012";
    public const string Region = "us-east-1";

    /// <summary>2026-11-25T12:00:00Z, the "now" of the tests.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static string CeArn(string name) => $"arn:aws:batch:{Region}:{Account}:compute-environment/{name}";

    public static string QueueArn(string name) => $"arn:aws:batch:{Region}:{Account}:job-queue/{name}";

    public static JobQueueRow Queue(string name, params string[] ces) => new()
    {
        Account = Account,
        Region = Region,
        Arn = QueueArn(name),
        Name = name,
        State = "ENABLED",
        Status = "VALID",
        Priority = 1,
        ComputeEnvironmentOrder = string.Join(',', ces.Select(CeArn)),
        HarvestedAt = Now.UtcDateTime,
    };

    public static ComputeEnvironmentRow Ce(string name, string resourceType = "EC2") => new()
    {
        Account = Account,
        Region = Region,
        Arn = CeArn(name),
        Name = name,
        Type = "MANAGED",
        State = "ENABLED",
        Status = "VALID",
        ResourceType = resourceType,
        InstanceTypes = "m5.large,c5.xlarge",
        MinvCpus = 0,
        DesiredvCpus = 4,
        MaxvCpus = 256,
        AllocationStrategy = "BEST_FIT_PROGRESSIVE",
        Subnets = "subnet-a,subnet-b",
        HarvestedAt = Now.UtcDateTime,
    };

    public static JobRow Job(string id, string queue, string status, DateTimeOffset created, string? name = null) => new()
    {
        Account = Account,
        Region = Region,
        JobId = id,
        JobName = name ?? "job-" + id,
        QueueName = queue,
        Status = status,
        CreatedAtMs = Ms(created),
        HarvestedAt = Now.UtcDateTime,
    };
}
