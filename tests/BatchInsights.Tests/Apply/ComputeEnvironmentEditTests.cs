using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Apply;

public sealed class ComputeEnvironmentEditTests
{
    private static readonly AwsTarget Target = new("123456789012", "us-east-1");

    private static ComputeEnvironmentSnapshot Ce(string resourceType = "SPOT", string? strategy = "SPOT_CAPACITY_OPTIMIZED", int? bid = null, int? desired = 8) =>
        new("arn:aws:batch:us-east-1:123456789012:compute-environment/ce1", "ce1", "MANAGED", "ENABLED", "VALID", null, resourceType,
            resourceType.StartsWith("FARGATE", StringComparison.Ordinal) ? [] : ["m5", "c5"], 0, desired, 256, bid, strategy, ["subnet-1"], ["sg-1"], null, null,
            new Dictionary<string, string>(), "{}");

    private static ComputeEnvironmentEdit Edit(ComputeEnvironmentSnapshot ce, ComputeEnvironmentUpdatePolicy? policy = null) =>
        ComputeEnvironmentEdit.From(new CurrentComputeEnvironment(Target, ce, policy ?? new ComputeEnvironmentUpdatePolicy()));

    [Fact]
    public void TryBuild_NothingChanged_RequestHasNoField()
    {
        var edit = Edit(Ce());

        Assert.True(edit.TryBuild(out var update, out var errors));

        Assert.Empty(errors);
        Assert.Equal(new ComputeEnvironmentUpdate("ce1", UpdatePolicy: new ComputeEnvironmentUpdatePolicy()), update);
        Assert.Equal(ChangeKind.None, ChangePlanner.Plan(Ce(), update).Kind);
    }

    [Fact]
    public void TryBuild_SpotWithoutBid_PrefillsTheEffective100AndSendsOnlyTheChangedTypes()
    {
        var edit = Edit(Ce());
        Assert.Equal("100", edit.BidPercentage);
        Assert.Equal("m5, c5", edit.InstanceTypes);

        edit.InstanceTypes = "c5 , m5, m6i";
        Assert.True(edit.TryBuild(out var update, out _));

        Assert.Equal(["c5", "m5", "m6i"], update.InstanceTypes);
        Assert.Null(update.BidPercentage);
        Assert.Null(update.MaxvCpus);
        Assert.Null(update.AllocationStrategy);
    }

    [Fact]
    public void TryBuild_InfrastructureChange_KeepsTheCeUpdatePolicyInsteadOfAwsDefaults()
    {
        var ce = Ce();
        var edit = Edit(ce, new ComputeEnvironmentUpdatePolicy(TerminateJobsOnUpdate: true, JobExecutionTimeoutMinutes: 90));
        Assert.Equal("90", edit.JobExecutionTimeoutMinutes);

        edit.AllocationStrategy = "SPOT_PRICE_CAPACITY_OPTIMIZED";
        Assert.True(edit.TryBuild(out var update, out _));

        Assert.Equal(new ComputeEnvironmentUpdatePolicy(true, 90), ChangePlanner.Plan(ce, update).Request.UpdatePolicy);
    }

    [Fact]
    public void TryBuild_UnreadableNumbersAndEmptyTypes_NameEachField()
    {
        var edit = Edit(Ce());
        edit.MinvCpus = "abc";
        edit.DesiredvCpus = "";
        edit.InstanceTypes = " , ";

        Assert.False(edit.TryBuild(out _, out var errors));

        Assert.Equal([ComputeEnvironmentEdit.FieldDesiredvCpus, ComputeEnvironmentEdit.FieldInstanceTypes, ComputeEnvironmentEdit.FieldMinvCpus], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("'abc' is not a whole number", errors[ComputeEnvironmentEdit.FieldMinvCpus], StringComparison.Ordinal);
        Assert.Contains("it is 8 now", errors[ComputeEnvironmentEdit.FieldDesiredvCpus], StringComparison.Ordinal);
    }

    [Fact]
    public void AllocationStrategies_BestFitEc2_OffersTheCurrentAndTheOnlyUpdatableOne()
    {
        var edit = Edit(Ce("EC2", strategy: null));

        Assert.Equal("BEST_FIT", edit.AllocationStrategy);
        Assert.Equal(["BEST_FIT", "BEST_FIT_PROGRESSIVE"], edit.AllocationStrategies);
    }

    [Fact]
    public void TryBuild_Fargate_IgnoresInstanceFieldsAndSendsMax()
    {
        var edit = Edit(Ce("FARGATE", strategy: null, desired: null));
        Assert.True(edit.IsFargate);
        Assert.Empty(edit.AllocationStrategies);

        edit.MaxvCpus = "128";
        Assert.True(edit.TryBuild(out var update, out _));

        Assert.Equal(128, update.MaxvCpus);
        Assert.Null(update.InstanceTypes);
        Assert.Null(update.AllocationStrategy);
        Assert.Null(update.DesiredvCpus);
    }
}
