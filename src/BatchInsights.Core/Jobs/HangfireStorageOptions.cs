using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Jobs;

/// <summary>The "Hangfire" section of appsettings.json.</summary>
public sealed class HangfireStorageOptions
{
    public const string Section = "Hangfire";

    /// <summary>SQLite file for Hangfire's own storage when Database:Provider is Sqlite (PostgreSQL mode shares the app database).</summary>
    public string SqlitePath { get; set; } = "data/hangfire.db";

    /// <summary>Background workers in this process.</summary>
    public int WorkerCount { get; set; } = 2;

    /// <summary>
    /// PostgreSQL mode: a running job's instance keeps renewing its claim on the job; when the instance dies, another
    /// instance takes the job over about this long after the last renewal. Default 5 minutes.
    /// </summary>
    public int InvisibilityTimeoutSeconds { get; set; } = 300;

    /// <summary>
    /// PostgreSQL mode: the "one at a time" lock of a harvest, roll-up or report is renewed every third of this while
    /// its job runs; the lock of an instance that died is freed this long after its last renewal. Default 2 minutes.
    /// </summary>
    public int LockTimeoutSeconds { get; set; } = 120;
}

public sealed class ValidateHangfireStorageOptions : IValidateOptions<HangfireStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, HangfireStorageOptions options)
    {
        var errors = new List<string>();
        if (options.WorkerCount is < 1 or > 100)
        {
            errors.Add($"{HangfireStorageOptions.Section}:{nameof(HangfireStorageOptions.WorkerCount)} '{options.WorkerCount}' must be between 1 and 100.");
        }

        if (options.InvisibilityTimeoutSeconds is < 5 or > 86_400)
        {
            errors.Add($"{HangfireStorageOptions.Section}:{nameof(HangfireStorageOptions.InvisibilityTimeoutSeconds)} '{options.InvisibilityTimeoutSeconds}' must be between 5 and 86400 seconds.");
        }

        if (options.LockTimeoutSeconds is < 5 or > 86_400)
        {
            errors.Add($"{HangfireStorageOptions.Section}:{nameof(HangfireStorageOptions.LockTimeoutSeconds)} '{options.LockTimeoutSeconds}' must be between 5 and 86400 seconds.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
