using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BatchInsights.Migrations.Sqlite;

/// <summary>Used only by 'dotnet ef migrations add' for this provider.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<BatchInsightsDbContext>
{
    public BatchInsightsDbContext CreateDbContext(string[] args) =>
        new(DataServiceCollectionExtensions.CreateOptions(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = "Data Source=design-time.db" }));
}
