using BatchInsights.Core.Aws;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.SpotPrices;

public sealed class Ec2RateBudgetTests
{
    [Fact]
    public void For_SameTargetOtherService_IsASeparateBucketAndBatchKeepsItsOwn()
    {
        var registry = new RateBudgetRegistry(new FakeTimeProvider());
        var target = new AwsTarget("prod", "us-east-1");

        var batch = registry.For(target, 5);
        var ec2 = registry.For(target, Ec2Api.SigningName, 5);

        Assert.NotSame(batch, ec2);
        Assert.Same(batch, registry.For(target, RateBudgetRegistry.DefaultService, 5));
        Assert.Same(ec2, registry.For(target, "ec2", 99));
        Assert.NotSame(ec2, registry.For(new AwsTarget("prod", "eu-west-1"), "ec2", 5));
    }
}
