using BatchInsights.Core.Jobs;

namespace BatchInsights.Tests.Networking;

public sealed class NetworkCronTests
{
    [Fact]
    public void Validate_BadNetworkCron_NamesTheKey()
    {
        var result = new ValidateHarvestOptions().Validate(null, new HarvestOptions { NetworkCron = "daily" });

        Assert.True(result.Failed);
        Assert.Contains("Harvest:NetworkCron 'daily'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DefaultNetworkCron_IsDailyAndValid()
    {
        var options = new HarvestOptions();

        Assert.True(new ValidateHarvestOptions().Validate(null, options).Succeeded);
        Assert.Equal("17 3 * * *", options.NetworkCron);
    }
}
