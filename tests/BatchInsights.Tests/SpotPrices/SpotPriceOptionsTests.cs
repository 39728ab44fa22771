using BatchInsights.Core.Jobs;

namespace BatchInsights.Tests.SpotPrices;

public sealed class SpotPriceOptionsTests
{
    [Fact]
    public void Validate_Defaults_Succeed()
    {
        var options = new HarvestOptions();

        var result = new ValidateHarvestOptions().Validate(null, options);

        Assert.True(result.Succeeded);
        Assert.Equal("*/30 * * * *", options.SpotPriceCron);
    }

    [Theory]
    [InlineData(nameof(HarvestOptions.SpotPriceCron))]
    [InlineData(nameof(HarvestOptions.CatalogCron))]
    public void Validate_BadCron_NamesTheKey(string key)
    {
        var options = key == nameof(HarvestOptions.SpotPriceCron)
            ? new HarvestOptions { SpotPriceCron = "every half hour" }
            : new HarvestOptions { CatalogCron = "" };

        var result = new ValidateHarvestOptions().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"Harvest:{key}", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Harvest:BatchCron", result.FailureMessage, StringComparison.Ordinal);
    }
}
