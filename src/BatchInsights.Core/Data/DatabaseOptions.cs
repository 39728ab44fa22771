using System.ComponentModel.DataAnnotations;

namespace BatchInsights.Core.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>The "Database" section of appsettings.json.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Sqlite (default, a file next to the app) or Postgres.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>ADO.NET connection string for the chosen provider.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ConnectionString { get; set; } = "Data Source=data/batchinsights.db";

    /// <summary>
    /// How long start-up keeps retrying (with back-off) a PostgreSQL server that does not answer yet, e.g. a database
    /// container starting beside the app, before it gives up with a clear message. 0 tries once.
    /// </summary>
    [Range(0, 3600, ErrorMessage = "Database:StartupRetrySeconds must be between 0 and 3600 seconds.")]
    public int StartupRetrySeconds { get; set; } = 60;
}
