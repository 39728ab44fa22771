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
}
