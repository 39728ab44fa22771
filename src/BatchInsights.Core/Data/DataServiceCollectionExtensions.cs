using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BatchInsights.Core.Data;

public static class DataServiceCollectionExtensions
{
    // Generated migrations live in one assembly per provider (docs/adr/0001-architecture.md).
    public const string SqliteMigrationsAssembly = "BatchInsights.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "BatchInsights.Migrations.Postgres";

    public static IServiceCollection AddBatchInsightsData(this IServiceCollection services, DatabaseOptions options)
    {
        services.AddDbContextFactory<BatchInsightsDbContext>(builder => Configure(builder, options));
        return services;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return options.Provider switch
        {
            DatabaseProvider.Sqlite => builder.UseSqlite(options.ConnectionString, o => o.MigrationsAssembly(SqliteMigrationsAssembly)),
            DatabaseProvider.Postgres => builder.UseNpgsql(options.ConnectionString, o => o.MigrationsAssembly(PostgresMigrationsAssembly)),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "Database:Provider must be Sqlite or Postgres."),
        };
    }

    /// <summary>Options for a context outside DI (tests, benchmarks, design time).</summary>
    public static DbContextOptions<BatchInsightsDbContext> CreateOptions(DatabaseOptions options)
    {
        var builder = new DbContextOptionsBuilder<BatchInsightsDbContext>();
        Configure(builder, options);
        return builder.Options;
    }
}
