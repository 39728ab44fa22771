namespace BatchInsights.Migrations.Sqlite;

/// <summary>Identifies this assembly; it holds only generated EF Core migrations for SQLite.</summary>
public static class SqliteMigrationsAssembly
{
    public static string Name => typeof(SqliteMigrationsAssembly).Assembly.GetName().Name!;
}
