using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace BatchInsights.Bench;

/// <summary>
/// Fills the jobs and job_attempts tables with realistic rows fast: one transaction, one prepared
/// INSERT per table, rows in creation order. Shaped like the sandbox's default account: five queues,
/// 30 days of history, array jobs (children share the parent's name and creation time), ~8 % failures,
/// the last couple of hours still in flight.
/// </summary>
internal static class JobRowFiller
{
    public const string Account = "123456789012";
    public const string Region = "us-east-1";

    private static readonly (string Definition, string Queue, double Weight)[] Workloads =
    [
        ("etl-nightly", "batch-default", 40),
        ("feature-extract", "batch-spot-optimal", 25),
        ("report-render", "critical", 12),
        ("webhook-fanout", "fargate-light", 12),
        ("train-model", "ml-gpu", 6),
        ("cfd-simulation", "critical", 2),
        ("genome-assembly-xl", "batch-spot-optimal", 0.2),
    ];

    private static readonly string[] ActiveStatuses = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING"];

    public static async Task FillAsync(BenchDatabase db, long rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var random = new Random(42);
        var totalWeight = Workloads.Sum(w => w.Weight);
        var endMs = now.ToUnixTimeMilliseconds();
        var startMs = now.AddDays(-30).ToUnixTimeMilliseconds();
        var harvestedAt = now.UtcDateTime;

        await using var connection = db.OpenConnection();
        await using (var pragma = connection.CreateCommand())
        {
            // A bulk load that can be redone: durability is not needed while filling.
            pragma.CommandText = "PRAGMA synchronous=OFF;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = connection.BeginTransaction();
        var job = Prepare(connection, transaction, "jobs",
            "Account", "Region", "JobId", "JobName", "JobArn", "QueueName", "Status", "StatusReason", "CreatedAtMs", "StartedAtMs",
            "StoppedAtMs", "JobDefinitionArn", "Vcpus", "MemoryMib", "Gpus", "ArrayParentId", "ArrayIndex", "ArraySize", "NumNodes",
            "ShareIdentifier", "ExitCode", "ContainerReason", "LogStreamName", "AttemptCount", "IsTerminal", "FromSummary", "HarvestedAt");
        var attempt = Prepare(connection, transaction, "job_attempts",
            "Account", "Region", "JobId", "AttemptIndex", "ContainerInstanceArn", "TaskArn", "StartedAtMs", "StoppedAtMs", "ExitCode",
            "Reason", "StatusReason", "LogStreamName");

        // Top-level submissions spread evenly over 30 days; arrays add children until the row count is reached.
        var meanRowsPerSubmission = 1.0 + (0.1 * 60); // ~10 % are arrays of ~60 children on average
        var stepMs = Math.Max(1.0, (endMs - startMs) / (rows / meanRowsPerSubmission));
        double createdMs = startMs;
        long written = 0, submission = 0, nextReport = 100_000;
        while (written < rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            createdMs += stepMs * (0.5 + random.NextDouble());
            var created = Math.Min((long)createdMs, endMs - 1);
            var pick = random.NextDouble() * totalWeight;
            var w = Workloads.First(x => (pick -= x.Weight) < 0 || x == Workloads[^1]);
            submission++;
            var name = $"{w.Definition}-j{submission}-t{random.Next(1, 20)}";
            var id = Guid.NewGuid().ToString();
            var age = endMs - created;
            var active = age < TimeSpan.FromHours(2).TotalMilliseconds;
            var status = active ? ActiveStatuses[random.Next(ActiveStatuses.Length)] : random.NextDouble() < 0.08 ? "FAILED" : "SUCCEEDED";
            var arraySize = w.Definition is "etl-nightly" or "feature-extract" && random.NextDouble() < 0.1 / 0.65
                ? (int)Math.Min(rows - written - 1, random.Next(10, 110))
                : 0;
            var started = status is "RUNNING" or "SUCCEEDED" or "FAILED" ? created + random.Next(5_000, 600_000) : (long?)null;
            var stopped = status is "SUCCEEDED" or "FAILED" ? started + random.Next(30_000, 3_600_000) : null;
            int? exit = status == "FAILED" ? (random.NextDouble() < 0.3 ? 137 : 1) : status == "SUCCEEDED" ? 0 : null;
            var logStream = started is null ? null : $"{w.Definition}/default/{Guid.NewGuid():N}";
            var vcpus = (double)random.Next(1, 17);
            var memory = (long)random.Next(1, 64) * 1024;

            Bind(job, Account, Region, id, name, $"arn:aws:batch:{Region}:{Account}:job/{id}", w.Queue, status,
                exit is > 0 ? "Essential container in task exited" : null, created, started, stopped,
                $"arn:aws:batch:{Region}:{Account}:job-definition/{w.Definition}:1", vcpus, memory, w.Definition == "train-model" ? 1 : null,
                null, null, arraySize > 0 ? arraySize : null, w.Definition == "cfd-simulation" ? 4 : null, null, arraySize > 0 ? null : exit,
                exit == 137 ? "OutOfMemoryError: Container killed due to memory usage" : null, arraySize > 0 ? null : logStream,
                started is null || arraySize > 0 ? 0 : 1, status is "SUCCEEDED" or "FAILED", false, harvestedAt);
            await job.ExecuteNonQueryAsync(cancellationToken);
            written++;

            if (started is not null && arraySize == 0)
            {
                Bind(attempt, Account, Region, id, 0, $"arn:aws:ecs:{Region}:{Account}:container-instance/{Guid.NewGuid():N}",
                    $"arn:aws:ecs:{Region}:{Account}:task/{Guid.NewGuid():N}", started, stopped, exit,
                    exit == 137 ? "OutOfMemoryError: Container killed due to memory usage" : null, null, logStream);
                await attempt.ExecuteNonQueryAsync(cancellationToken);
            }

            // Children are stored from ListJobs summaries (FromSummary), with the parent's name and creation time.
            for (var i = 0; i < arraySize; i++)
            {
                var childStatus = active ? ActiveStatuses[random.Next(ActiveStatuses.Length)] : random.NextDouble() < 0.03 ? "FAILED" : "SUCCEEDED";
                var childStarted = childStatus is "RUNNING" or "SUCCEEDED" or "FAILED" ? created + random.Next(5_000, 900_000) : (long?)null;
                Bind(job, Account, Region, $"{id}:{i}", name, null, w.Queue, childStatus, null, created, childStarted,
                    childStatus is "SUCCEEDED" or "FAILED" ? childStarted + random.Next(30_000, 1_800_000) : null,
                    $"arn:aws:batch:{Region}:{Account}:job-definition/{w.Definition}:1", vcpus, memory, null, id, i, null, null, null,
                    childStatus == "FAILED" ? 1 : childStatus == "SUCCEEDED" ? 0 : null, null, null, 0,
                    childStatus is "SUCCEEDED" or "FAILED", true, harvestedAt);
                await job.ExecuteNonQueryAsync(cancellationToken);
                written++;
            }

            if (written >= nextReport)
            {
                nextReport += 100_000;
                Console.WriteLine($"  {Fmt.N(written)} rows ({Fmt.Duration(watch.Elapsed)})");
            }
        }

        await transaction.CommitAsync(cancellationToken);
        await using (var analyze = connection.CreateCommand())
        {
            analyze.CommandText = "PRAGMA synchronous=NORMAL;";
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        Console.WriteLine($"Filled {Fmt.N(written)} job rows ({Fmt.N(submission)} submissions) in {Fmt.Duration(watch.Elapsed)}.");
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string table, params string[] columns)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) "
            + $"VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))})";
        for (var i = 0; i < columns.Length; i++)
        {
            command.Parameters.Add(new SqliteParameter("$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null));
        }

        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }
}
