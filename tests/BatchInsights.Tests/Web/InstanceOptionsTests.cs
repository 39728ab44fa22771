using BatchInsights.Core.Data;
using BatchInsights.Core.Jobs;
using BatchInsights.Web.Hosting;
using Microsoft.Extensions.Options;

namespace BatchInsights.Tests.Web;

public sealed class InstanceOptionsTests
{
    [Theory]
    [InlineData(InstanceRole.All, DatabaseProvider.Sqlite, true)]
    [InlineData(InstanceRole.All, DatabaseProvider.Postgres, true)]
    [InlineData(InstanceRole.Worker, DatabaseProvider.Postgres, true)]
    [InlineData(InstanceRole.Ui, DatabaseProvider.Postgres, true)]
    [InlineData(InstanceRole.Worker, DatabaseProvider.Sqlite, false)]
    [InlineData(InstanceRole.Ui, DatabaseProvider.Sqlite, false)]
    public void Validate_RoleAndProvider_SplitRolesNeedPostgres(InstanceRole role, DatabaseProvider provider, bool valid)
    {
        var validator = new ValidateInstanceOptions(Options.Create(new DatabaseOptions { Provider = provider }));

        var result = validator.Validate(null, new InstanceOptions { Role = role });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Instance:Role", result.FailureMessage, StringComparison.Ordinal);
            Assert.Contains("Database:Provider Postgres", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(InstanceRole.All, true, true)]
    [InlineData(InstanceRole.Worker, true, false)]
    [InlineData(InstanceRole.Ui, false, true)]
    public void Role_DecidesJobsAndUi(InstanceRole role, bool runsJobs, bool servesUi)
    {
        var options = new InstanceOptions { Role = role };

        Assert.Equal(runsJobs, options.RunsJobs);
        Assert.Equal(servesUi, options.ServesUi);
    }

    [Fact]
    public void Validate_UndefinedRoleNumber_NamesTheKey()
    {
        var validator = new ValidateInstanceOptions(Options.Create(new DatabaseOptions { Provider = DatabaseProvider.Postgres }));

        var result = validator.Validate(null, new InstanceOptions { Role = (InstanceRole)7 });

        Assert.Contains("Instance:Role '7' must be All, Worker or Ui", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(HangfireStorageOptions.WorkerCount), 0)]
    [InlineData(nameof(HangfireStorageOptions.InvisibilityTimeoutSeconds), 4)]
    [InlineData(nameof(HangfireStorageOptions.LockTimeoutSeconds), 0)]
    public void ValidateHangfire_OutOfRange_NamesTheKey(string key, int value)
    {
        var options = new HangfireStorageOptions();
        typeof(HangfireStorageOptions).GetProperty(key)!.SetValue(options, value);

        var result = new ValidateHangfireStorageOptions().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"Hangfire:{key} '{value}'", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new ValidateHangfireStorageOptions().Validate(null, new HangfireStorageOptions()).Succeeded);
    }
}
