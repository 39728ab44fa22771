using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BatchInsights.Migrations.Postgres;

/// <summary>Used only by 'dotnet ef migrations add' for this provider.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<BatchInsightsDbContext>
{
    public BatchInsightsDbContext CreateDbContext(string[] args) =>
        new(DataServiceCollectionExtensions.CreateOptions(new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = "Host=localhost;Database=batchinsights;Username=postgres" }));
}
