using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BatchInsights.Core.Data;
using BatchInsights.Core.Jobs;
using BatchInsights.E2E;
using BatchInsights.Tests.Harvesting;
using BatchInsights.Tests.Integration;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BatchInsights.Tests.Postgres;

/// <summary>
/// Two real app processes (dotnet run, as README says) on one PostgreSQL database and one sandbox account on
/// loopback: a Worker instance and an All instance. The one running the Batch harvest is killed (SIGKILL) mid-harvest;
/// the other must take the same Hangfire job over and finish it, leaving exactly the rows of an uninterrupted harvest.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ScaleOutTests(PostgresServerFixture server) : IAsyncLifetime
{
    /// <summary>No job runs by itself during the test: the harvest is triggered once, by hand.</summary>
    private const string Never = "0 0 1 1 *";

    private readonly List<Instance> _instances = [];
    private SandboxHarness _sandbox = null!;
    private PostgresTestDatabase _database = null!;
    private HarvestDatabase _reference = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxHarness.StartAsync();
        // Empty: the two instances start together and migrate it at the same time.
        _database = await server.CreateDatabaseAsync();
        _reference = await HarvestDatabase.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        await _reference.DisposeAsync();
        await _database.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task Harvest_InstanceRunningItIsKilled_OtherInstanceCompletesItWithoutDuplicates()
    {
        var worker = Start("worker", "Worker");
        var all = Start("all", "All");
        await Task.WhenAll(worker.WaitHealthyAsync(), all.WaitHealthyAsync());

        // The roles: the Worker answers only /healthz, the All instance serves the UI and the API.
        Assert.Equal(404, (int)(await worker.Http.GetAsync(new Uri("/api/v1/harvest/runs", UriKind.Relative))).StatusCode);
        Assert.Equal(404, (int)(await worker.Http.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        // The All instance serves the API (behind sign-in: 401 without a cookie or token, not the Worker's 404).
        Assert.Equal(401, (int)(await all.Http.GetAsync(new Uri("/api/v1/harvest/runs", UriKind.Relative))).StatusCode);

        // Either instance may fetch the job. Kill the one that runs it once it has written part of the jobs.
        var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = false };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(_database.ConnectionString, options), options);
        new RecurringJobManager(storage).Trigger(RecurringJobs.BatchHarvest);
        await WaitUntilAsync(async () => await CountAsync("SELECT count(*) FROM jobs") > 0, TimeSpan.FromSeconds(60), "the harvest to write its first jobs");
        var firstServer = await ProcessingServerAsync() ?? throw new InvalidOperationException("No instance is processing the harvest job.");
        var victim = _instances.Single(i => i.Owns(ServerPid(firstServer)));
        var survivor = _instances.Single(i => i != victim);
        var writtenBeforeKill = await CountAsync("SELECT count(*) FROM jobs");
        victim.Kill();

        await WaitUntilAsync(
            async () => await CountAsync("SELECT count(*) FROM harvest_runs WHERE \"Kind\" = 'batch' AND \"Outcome\" = 'Succeeded'") > 0,
            TimeSpan.FromSeconds(120), $"the {survivor.Name} instance to finish the harvest");

        Assert.False(survivor.HasExited, survivor.Output);
        Assert.InRange(writtenBeforeKill, 1, SandboxHarness.JobCount - 1);
        // Complete and nothing twice: exactly the rows one uninterrupted harvest of the same account stores.
        await _sandbox.HarvestAsync(_reference, _sandbox.NewClient());
        Assert.Equal(
            await HarvestTestContext.DumpAsync(_reference.Factory, includeJobHarvestedAt: false),
            await HarvestTestContext.DumpAsync(_database.Factory, includeJobHarvestedAt: false));
        // One Hangfire job, processed by the killed instance and then by the survivor, now Succeeded: taken over, not re-run beside it.
        var states = await JobStatesAsync();
        Assert.Single(states.Select(s => s.JobId).Distinct());
        Assert.Equal("Succeeded", states[^1].Name);
        var processedBy = states.Where(s => s.Name == "Processing").Select(s => s.ServerId).Distinct().ToList();
        Assert.Equal(2, processedBy.Count);
        Assert.True(survivor.Owns(ServerPid(processedBy[^1])), "the survivor finished the job");
        // The killed run is closed as abandoned rather than left Running forever.
        await using var db = await _database.Factory.CreateDbContextAsync();
        var runs = await db.HarvestRuns.AsNoTracking().Where(r => r.Kind == "batch").OrderBy(r => r.Id).ToListAsync();
        Assert.Equal([HarvestOutcome.Failed, HarvestOutcome.Succeeded], runs.Select(r => r.Outcome));
        Assert.StartsWith("Abandoned", runs[0].Error, StringComparison.Ordinal);
    }

    private Instance Start(string name, string role)
    {
        var port = AppProcess.FreePort();
        var work = Directory.CreateTempSubdirectory($"bi-scaleout-{name}-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Instance__Role"] = role,
            ["Database__Provider"] = "Postgres",
            ["Database__ConnectionString"] = _database.ConnectionString,
            // One account for both: the test's sandbox, reached as AWS is (Aws mode, endpoint override, static keys).
            ["Aws__Mode"] = "Aws",
            ["Aws__EndpointOverride"] = _sandbox.Sandbox.BaseAddress.ToString(),
            ["Aws__Targets__0__Account"] = SandboxHarness.Target.Account,
            ["Aws__Targets__0__Regions__0"] = SandboxHarness.Target.Region,
            // Slow enough (a few hundred calls at 10/s) that the harvest can be interrupted halfway.
            ["Aws__MaxCallsPerSecond"] = "10",
            ["AWS_ACCESS_KEY_ID"] = "SANDBOXACCESSKEY",
            ["AWS_SECRET_ACCESS_KEY"] = "sandbox-secret",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["Harvest__RunOnStart"] = "false",
            ["Harvest__BatchCron"] = Never,
            ["Harvest__SpotPriceCron"] = Never,
            ["Harvest__CatalogCron"] = Never,
            ["Harvest__InstanceCron"] = Never,
            ["Harvest__NetworkCron"] = Never,
            ["Recommendations__Cron"] = Never,
            ["Costs__Cron"] = Never,
            ["Reports__Cron"] = Never,
            // Short, so the take-over happens within the test: the job is re-fetched 10 s after the killed instance's
            // last renewal of its claim, and its "one harvest at a time" lock is freed 15 s after its last renewal.
            ["Hangfire__InvisibilityTimeoutSeconds"] = "10",
            ["Hangfire__LockTimeoutSeconds"] = "15",
            ["Hangfire__SqlitePath"] = Path.Combine(work, "unused-hangfire.db"),
            ["Logging__LogLevel__Hangfire"] = "Information",
        };
        var instance = new Instance(name, port, work, environment);
        _instances.Add(instance);
        return instance;
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The ServerId ("host:pid:guid") in the current Processing state of the Batch harvest job, if any.</summary>
    private async Task<string?> ProcessingServerAsync()
    {
        var states = await JobStatesAsync();
        return states.Count > 0 && states[^1].Name == "Processing" ? states[^1].ServerId : null;
    }

    /// <summary>Every state of every Batch harvest job in Hangfire's tables, oldest first.</summary>
    private async Task<List<(long JobId, string Name, string? ServerId)>> JobStatesAsync()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT s.jobid, s.name, s.data::text FROM hangfire.state s JOIN hangfire.job j ON j.id = s.jobid
            WHERE j.invocationdata::text LIKE '%BatchHarvestJob%' ORDER BY s.id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var states = new List<(long, string, string?)>();
        while (await reader.ReadAsync())
        {
            using var data = JsonDocument.Parse(reader.IsDBNull(2) ? "{}" : reader.GetString(2));
            states.Add((reader.GetInt64(0), reader.GetString(1), data.RootElement.TryGetProperty("ServerId", out var id) ? id.GetString() : null));
        }

        return states;
    }

    /// <summary>Hangfire's server ids are "machine:pid:guid".</summary>
    private static int ServerPid(string? serverId)
    {
        var parts = (serverId ?? "").Split(':');
        return parts.Length >= 3 && int.TryParse(parts[^2], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : throw new InvalidOperationException($"Not a Hangfire server id: '{serverId}'.");
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.\n"
                    + string.Join("\n", _instances.Select(i => $"--- {i.Name} ---\n{i.Output}")));
            }

            await Task.Delay(250);
        }
    }

    /// <summary>One app process (dotnet run and the app it starts) with its output.</summary>
    private sealed class Instance : IAsyncDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly Process _process;
        private readonly string _work;

        public Instance(string name, int port, string work, Dictionary<string, string> environment)
        {
            Name = name;
            _work = work;
            Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            _process = AppProcess.Start(work, environment, line =>
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            });
        }

        public string Name { get; }

        public HttpClient Http { get; }

        public bool HasExited => _process.HasExited;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>True when <paramref name="pid"/> is this instance: the dotnet run process or the app it started.</summary>
        public bool Owns(int pid) => pid == _process.Id || ParentOf(pid) == _process.Id;

        public async Task WaitHealthyAsync()
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (true)
            {
                Assert.False(_process.HasExited, $"The {Name} instance exited at start:\n{Output}");
                try
                {
                    if ((await Http.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                catch (TaskCanceledException)
                {
                    // slow first request
                }

                Assert.True(DateTime.UtcNow < deadline, $"The {Name} instance did not answer /healthz within 90 s:\n{Output}");
                await Task.Delay(250);
            }
        }

        /// <summary>SIGKILL, as an out-of-memory kill or a lost VM: no shutdown code runs.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            Http.Dispose();
            try
            {
                Directory.Delete(_work, recursive: true);
            }
            catch (IOException)
            {
                // a file still held by the dying process: the temp dir is cleaned later
            }
        }

        private static int? ParentOf(int pid)
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so read after the last ')'.
            var path = $"/proc/{pid}/stat";
            if (!File.Exists(path))
            {
                return null;
            }

            var stat = File.ReadAllText(path);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
    }
}
