using System.Collections.Concurrent;
using BatchInsights.Web.Hosting;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Logging.Abstractions;

namespace BatchInsights.Tests.Postgres;

/// <summary>
/// "One at a time" across instances on PostgreSQL: two queued runs of a [DisableConcurrentExecution] job that outlasts
/// Hangfire:LockTimeoutSeconds, on a real Hangfire server with two workers. Hangfire.PostgreSql alone lets the second
/// run take the "expired" lock and start beside the first; with the renewal filter the second waits.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LockRenewalTests(PostgresServerFixture server)
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TwoRuns_JobLongerThanLockTimeout_OverlapOnlyWithoutRenewal(bool renew)
    {
        await using var database = await server.CreateDatabaseAsync();
        var options = new PostgreSqlStorageOptions
        {
            DistributedLockTimeout = LockTimeout,
            QueuePollInterval = TimeSpan.FromMilliseconds(200),
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = TimeSpan.FromSeconds(30),
        };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(database.ConnectionString, options), options);
        var filter = new PostgresLockRenewalFilter(database.ConnectionString, options.SchemaName, LockTimeout, NullLogger.Instance);
        SlowJob.Runs.Clear();
        if (renew)
        {
            GlobalJobFilters.Filters.Add(filter, PostgresLockRenewalFilter.Order);
        }

        try
        {
            using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 2, SchedulePollingInterval = TimeSpan.FromMilliseconds(200) }, storage))
            {
                var client = new BackgroundJobClient(storage);
                client.Enqueue(() => SlowJob.Run("first"));
                client.Enqueue(() => SlowJob.Run("second"));
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (SlowJob.Runs.Count < 2)
                {
                    Assert.True(DateTime.UtcNow < deadline, "The two runs did not finish within 60 s.");
                    await Task.Delay(100);
                }
            }
        }
        finally
        {
            GlobalJobFilters.Filters.Remove(filter);
        }

        var runs = SlowJob.Runs.OrderBy(r => r.Start).ToList();
        var overlapped = runs[1].Start < runs[0].End;
        Assert.Equal(!renew, overlapped);
    }

    [Fact]
    public void LockResource_IsWhatDisableConcurrentExecutionLocks()
    {
        var job = Hangfire.Common.Job.FromExpression(() => SlowJob.Run("x"));

        // DisableConcurrentExecutionAttribute: "{type name without namespace, nested with '.'}.{method}".
        Assert.Equal("LockRenewalTests.SlowJob.Run", PostgresLockRenewalFilter.LockResource(job));
        Assert.Null(PostgresLockRenewalFilter.LockResource(Hangfire.Common.Job.FromExpression(() => SlowJob.Unlocked())));
    }

    public static class SlowJob
    {
        public static readonly ConcurrentBag<(string Name, DateTime Start, DateTime End)> Runs = [];

        [DisableConcurrentExecution(timeoutInSeconds: 60)]
        [AutomaticRetry(Attempts = 0)]
        public static void Run(string name)
        {
            var start = DateTime.UtcNow;
            // Three lock timeouts: without renewal the waiting run frees the lock as "dead" and starts.
            Thread.Sleep(LockTimeout * 3);
            Runs.Add((name, start, DateTime.UtcNow));
        }

        public static void Unlocked()
        {
        }
    }
}
