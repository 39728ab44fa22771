namespace BatchInsights.Migrations.Postgres;

/// <summary>Identifies this assembly; it holds only generated EF Core migrations for PostgreSQL.</summary>
public static class PostgresMigrationsAssembly
{
    public static string Name => typeof(PostgresMigrationsAssembly).Assembly.GetName().Name!;
}
