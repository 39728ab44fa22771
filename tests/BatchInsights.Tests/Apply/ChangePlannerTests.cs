using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Apply;

public sealed class ChangePlannerTests
{
    private static ComputeEnvironmentSnapshot Ce(string resourceType = "SPOT", string? strategy = "SPOT_PRICE_CAPACITY_OPTIMIZED", string? serviceRole = null,
        int? bid = null, int? desired = 8, string status = "VALID", string type = "MANAGED", IReadOnlyList<string>? types = null, IReadOnlyDictionary<string, string>? tags = null) =>
        new("arn:aws:batch:us-east-1:123456789012:compute-environment/ce1", "ce1", type, "ENABLED", status, null, resourceType,
            types ?? ["m5.large", "m5.xlarge"], 0, desired, 256, bid, strategy, ["subnet-1"], ["sg-1"], null, serviceRole, tags ?? new Dictionary<string, string>(), "{}");

    [Fact]
    public void Plan_OnlyMaxvCpus_IsScalingUpdateThatTouchesNoInstance()
    {
        var plan = ChangePlanner.Plan(Ce(), new ComputeEnvironmentUpdate("ce1", MaxvCpus: 512));

        Assert.Equal(ChangeKind.Scaling, plan.Kind);
        Assert.True(plan.CanApply);
        Assert.Equal([new FieldDiff("computeResources.maxvCpus", "256", "512")], plan.Diff);
        Assert.Null(plan.Request.UpdatePolicy);
        Assert.Contains("no instance is replaced", Assert.Single(plan.Effects), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_InstanceTypesOnSpotPriceCapacityOptimized_IsInfrastructureUpdateWithDefaultPolicy()
    {
        var plan = ChangePlanner.Plan(Ce(), new ComputeEnvironmentUpdate("ce1", MaxvCpus: 256, InstanceTypes: ["c6i", "m6i"]));

        Assert.Equal(ChangeKind.Infrastructure, plan.Kind);
        Assert.True(plan.CanApply);
        // maxvCpus equals the current value, so it is not part of the request or the diff.
        Assert.Null(plan.Request.MaxvCpus);
        Assert.Equal([new FieldDiff("computeResources.instanceTypes", "m5.large, m5.xlarge", "c6i, m6i")], plan.Diff);
        Assert.Equal(new ComputeEnvironmentUpdatePolicy(false, 30), plan.Request.UpdatePolicy);
        Assert.Contains(plan.Effects, e => e.Contains("running jobs keep running", StringComparison.Ordinal) && e.Contains("= 30", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_TerminateJobsOnUpdate_SaysRunningJobsAreTerminated()
    {
        var plan = ChangePlanner.Plan(Ce(), new ComputeEnvironmentUpdate("ce1", BidPercentage: 80, UpdatePolicy: new ComputeEnvironmentUpdatePolicy(true, 10)));

        Assert.Equal(ChangeKind.Infrastructure, plan.Kind);
        Assert.Equal([new FieldDiff("computeResources.bidPercentage", ChangePlanner.Unset, "80")], plan.Diff);
        Assert.Contains(plan.Effects, e => e.Contains("TERMINATED", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("BEST_FIT", null, "allocation strategy is BEST_FIT")]
    [InlineData(null, null, "BEST_FIT (the default)")]
    [InlineData("SPOT_CAPACITY_OPTIMIZED", "arn:aws:iam::123456789012:role/MyBatchServiceRole", "service role arn:aws:iam::123456789012:role/MyBatchServiceRole")]
    public void Plan_InfrastructureChangeWhereAwsCannotUpdateInPlace_IsBlueGreenAndRefused(string? strategy, string? role, string reason)
    {
        var plan = ChangePlanner.Plan(Ce(strategy: strategy, serviceRole: role), new ComputeEnvironmentUpdate("ce1", InstanceTypes: ["c6i"]));

        Assert.Equal(ChangeKind.BlueGreenRequired, plan.Kind);
        Assert.False(plan.CanApply);
        Assert.Contains(plan.Rejections, r => r.Contains(reason, StringComparison.Ordinal) && r.Contains("blue/green", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_ScalingChangeOnBestFitCe_IsStillAllowed()
    {
        var plan = ChangePlanner.Plan(Ce(resourceType: "EC2", strategy: "BEST_FIT"), new ComputeEnvironmentUpdate("ce1", MinvCpus: 4));

        Assert.Equal(ChangeKind.Scaling, plan.Kind);
        Assert.True(plan.CanApply);
    }

    [Fact]
    public void Plan_ServiceLinkedRoleArn_CountsAsServiceLinked()
    {
        var ce = Ce(serviceRole: "arn:aws:iam::123456789012:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch");

        Assert.Equal(ChangeKind.Infrastructure, ChangePlanner.Plan(ce, new ComputeEnvironmentUpdate("ce1", InstanceTypes: ["c6i"])).Kind);
    }

    [Fact]
    public void Plan_DesiredBelowCurrent_RefusedWithAwsMessageAndAdvice()
    {
        var plan = ChangePlanner.Plan(Ce(desired: 16), new ComputeEnvironmentUpdate("ce1", DesiredvCpus: 8));

        Assert.False(plan.CanApply);
        var r = Assert.Single(plan.Rejections);
        Assert.Contains(ChangePlanner.DesiredScaleDownMessage, r, StringComparison.Ordinal);
        Assert.Contains("Lower minvCpus instead", r, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EC2", 60, null, "bidPercentage applies only to SPOT")]
    [InlineData("SPOT", 150, null, "between 1 and 100")]
    [InlineData("EC2", null, "SPOT_PRICE_CAPACITY_OPTIMIZED", "applies only to SPOT")]
    [InlineData("SPOT", null, "BEST_FIT", "BEST_FIT cannot be set by an update")]
    [InlineData("FARGATE", 50, null, "do not apply to Fargate")]
    public void Plan_FieldAwsWouldReject_RefusedWithReason(string resourceType, int? bid, string? strategy, string reason)
    {
        var plan = ChangePlanner.Plan(Ce(resourceType: resourceType, strategy: "BEST_FIT_PROGRESSIVE"), new ComputeEnvironmentUpdate("ce1", BidPercentage: bid, AllocationStrategy: strategy));

        Assert.False(plan.CanApply);
        Assert.Contains(plan.Rejections, r => r.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_MinAboveMax_Refused()
    {
        var plan = ChangePlanner.Plan(Ce(), new ComputeEnvironmentUpdate("ce1", MinvCpus: 300));

        Assert.Contains(plan.Rejections, r => r.Contains("minvCpus (300) must be between 0 and maxvCpus (256)", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_CeStillUpdating_Refused()
    {
        var plan = ChangePlanner.Plan(Ce(status: "UPDATING"), new ComputeEnvironmentUpdate("ce1", MaxvCpus: 512));

        Assert.False(plan.CanApply);
        Assert.Contains(plan.Rejections, r => r.Contains("UPDATING", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_SameValuesAsNow_NothingToApply()
    {
        // Same set in another order, bidPercentage 100 = unset on Spot, same strategy.
        var plan = ChangePlanner.Plan(Ce(), new ComputeEnvironmentUpdate("ce1", InstanceTypes: ["m5.xlarge", "m5.large"], BidPercentage: 100, AllocationStrategy: "SPOT_PRICE_CAPACITY_OPTIMIZED"));

        Assert.Equal(ChangeKind.None, plan.Kind);
        Assert.False(plan.CanApply);
        Assert.Empty(plan.Diff);
    }

    [Fact]
    public void PlanRestore_AfterInfrastructureChange_PutsBackTypesAndBidButNotDesired()
    {
        var before = Ce(bid: 60, desired: 8);
        var now = Ce(bid: 80, desired: 32, types: ["c6i"]);

        var plan = ChangePlanner.PlanRestore(before, now);

        Assert.True(plan.CanApply);
        Assert.Equal(ChangeKind.Infrastructure, plan.Kind);
        Assert.Equal(["m5.large", "m5.xlarge"], plan.Request.InstanceTypes);
        Assert.Equal(60, plan.Request.BidPercentage);
        Assert.Null(plan.Request.DesiredvCpus);
    }

    [Fact]
    public void ManagedBy_CloudFormationTagOrConfiguredTag_IsNamed()
    {
        Assert.Equal("CloudFormation stack batch-prod (tag aws:cloudformation:stack-name)",
            ChangeExport.ManagedBy(new Dictionary<string, string> { ["aws:cloudformation:stack-name"] = "batch-prod" }, []));
        Assert.Equal("tag ManagedBy=Terraform", ChangeExport.ManagedBy(new Dictionary<string, string> { ["ManagedBy"] = "Terraform" }, ["ManagedBy=terraform"]));
        Assert.Null(ChangeExport.ManagedBy(new Dictionary<string, string> { ["ManagedBy"] = "hand" }, ["ManagedBy=terraform"]));
    }

    [Fact]
    public void Terraform_InfrastructureChange_UsesProviderArgumentNames()
    {
        var plan = ChangePlanner.Plan(Ce(), new ComputeEnvironmentUpdate("ce1", InstanceTypes: ["c6i", "m6i"], BidPercentage: 90));

        var hcl = ChangeExport.Terraform(plan.Request);

        Assert.Contains("resource \"aws_batch_compute_environment\" \"this\" {", hcl, StringComparison.Ordinal);
        Assert.Contains("instance_type = [\"c6i\", \"m6i\"]", hcl, StringComparison.Ordinal);
        Assert.Contains("bid_percentage = 90", hcl, StringComparison.Ordinal);
        Assert.Contains("job_execution_timeout_minutes = 30", hcl, StringComparison.Ordinal);
    }

    [Fact]
    public void CloudFormation_InfrastructureChange_IsPropertyPatch()
    {
        var plan = ChangePlanner.Plan(Ce(), new ComputeEnvironmentUpdate("ce1", InstanceTypes: ["c6i"], MaxvCpus: 512));

        var yaml = ChangeExport.CloudFormation(plan.Request);

        Assert.Contains("    ComputeResources:\n      MaxvCpus: 512\n      InstanceTypes:\n        - c6i\n", yaml, StringComparison.Ordinal);
        Assert.Contains("    UpdatePolicy:\n      TerminateJobsOnUpdate: false\n      JobExecutionTimeoutMinutes: 30\n", yaml, StringComparison.Ordinal);
    }
}
