namespace BatchInsights.Core.Jobs;

/// <summary>The "Hangfire" section of appsettings.json.</summary>
public sealed class HangfireStorageOptions
{
    public const string Section = "Hangfire";

    /// <summary>SQLite file for Hangfire's own storage when Database:Provider is Sqlite (PostgreSQL mode shares the app database).</summary>
    public string SqlitePath { get; set; } = "data/hangfire.db";

    /// <summary>Background workers in this process.</summary>
    public int WorkerCount { get; set; } = 2;
}
