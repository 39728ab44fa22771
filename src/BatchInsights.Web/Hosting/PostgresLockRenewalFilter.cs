using System.Reflection;
using Hangfire;
using Hangfire.Common;
using Hangfire.Server;
using Npgsql;

namespace BatchInsights.Web.Hosting;

/// <summary>
/// Keeps the lock of a running <see cref="DisableConcurrentExecutionAttribute"/> job alive in PostgreSQL mode.
/// Hangfire.PostgreSql frees a lock once it is older than its DistributedLockTimeout, whether or not its holder still
/// runs, so without renewal a harvest longer than that would have the next queued run start beside it. This filter
/// runs after the lock is taken (a higher Order than the attribute's) and stamps the lock row every third of the
/// timeout until the job ends; a dead instance stops stamping, and its lock is freed one timeout later.
/// </summary>
internal sealed class PostgresLockRenewalFilter : IServerFilter
{
    /// <summary>After DisableConcurrentExecution (default order -1) on the way in, before it releases the lock on the way out.</summary>
    public const int Order = 1000;

    private const string ItemKey = "BatchInsights.LockRenewal";

    private readonly string _connectionString;
    private readonly string _schema;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;

    public PostgresLockRenewalFilter(string connectionString, string schema, TimeSpan lockTimeout, ILogger logger)
    {
        _connectionString = connectionString;
        _schema = schema;
        _interval = lockTimeout / 3;
        _logger = logger;
    }

    public void OnPerforming(PerformingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var job = context.BackgroundJob.Job;
        if (LockResource(job) is not { } resource)
        {
            return;
        }

        var stop = new CancellationTokenSource();
        context.Items[ItemKey] = (stop, Task.Run(() => RenewAsync(resource, stop.Token)));
    }

    public void OnPerformed(PerformedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(ItemKey, out var item) && item is (CancellationTokenSource stop, Task renewal))
        {
            stop.Cancel();
            renewal.GetAwaiter().GetResult();
            stop.Dispose();
        }
    }

    /// <summary>
    /// The resource DisableConcurrentExecutionAttribute locks when given no resource format: the job type's name
    /// without namespace (nested types joined with '.') and the method name. Null when the job has no such attribute.
    /// </summary>
    internal static string? LockResource(Job job)
    {
        var attribute = job.Method.GetCustomAttribute<DisableConcurrentExecutionAttribute>() ?? job.Type.GetCustomAttribute<DisableConcurrentExecutionAttribute>();
        if (attribute is null || job.Type.IsGenericType)
        {
            return null;
        }

        var name = job.Type.FullName ?? job.Type.Name;
        if (job.Type.Namespace is { Length: > 0 } ns && name.StartsWith(ns + ".", StringComparison.Ordinal))
        {
            name = name[(ns.Length + 1)..];
        }

        return $"{name.Replace('+', '.')}.{job.Method.Name}";
    }

    private async Task RenewAsync(string resource, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await using var connection = new NpgsqlConnection(_connectionString);
                    await connection.OpenAsync(cancellationToken);
                    // Hangfire.PostgreSql stores the resource prefixed with its schema ("hangfire:BatchHarvestJob.RunAsync").
                    await using var command = new NpgsqlCommand(
                        $"UPDATE \"{_schema}\".\"lock\" SET \"acquired\" = NOW() WHERE \"resource\" IN (@resource, @prefixed)", connection);
                    command.Parameters.AddWithValue("resource", resource);
                    command.Parameters.AddWithValue("prefixed", $"{_schema}:{resource}");
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (NpgsqlException e)
                {
                    // The database is away: the job itself will fail or carry on; the next tick tries again.
                    _logger.LogWarning(e, "Could not renew the Hangfire lock {Resource}", resource);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the job ended
        }
    }
}
