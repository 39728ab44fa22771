using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace BatchInsights.Tests.Apply;

/// <summary>ApplyService against the sandbox over HTTP: what the user confirms is what AWS (the sandbox) ends up with.</summary>
public sealed class ApplyServiceSandboxTests
{
    private const string Ce = "od-general";
    private static readonly string[] NewTypes = ["c6i", "m6i"];

    private static ComputeEnvironmentUpdate NewTypesChange(string ce = Ce) => new(ce, InstanceTypes: NewTypes);

    private static ApplyRequest Confirm(ApplyPreview preview, ComputeEnvironmentUpdate wanted, string? typed = null) =>
        new(preview.Account, preview.Region, preview.ComputeEnvironment, wanted, preview.Token, typed ?? preview.ComputeEnvironment, "alice", RecommendationId: 42);

    [Fact]
    public async Task ApplyAsync_NewInstanceTypes_SandboxCeChangesNewInstancesUseThemAndTheNextHarvestStoresThem()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        var service = sandbox.Service();
        var preview = await service.PreviewAsync(ApplySandbox.Target.Account, ApplySandbox.Target.Region, Ce, NewTypesChange(), 42, CancellationToken.None);
        Assert.Equal(ChangeKind.Infrastructure, preview.Plan.Kind);
        Assert.True(preview.Plan.CanApply, string.Join(" ", preview.Plan.Rejections));
        var appliedAtMs = sandbox.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        var result = await service.ApplyAsync(Confirm(preview, NewTypesChange()), CancellationToken.None);

        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal(1, sandbox.Batch.Updates);
        Assert.Equal("UPDATING", result.Status);
        Assert.Equal(NewTypes, (await sandbox.DescribeAsync(Ce)).InstanceTypes);
        var apply = Assert.Single(await sandbox.AuditRowsAsync());
        Assert.Equal((AuditAction.Apply, AuditResult.Succeeded, "alice", 42L), (apply.Action, apply.Result, apply.Actor, apply.RecommendationId));
        Assert.False(string.IsNullOrEmpty(apply.AwsRequestId));
        Assert.Equal(apply.AwsRequestId, result.AwsRequestId);
        Assert.Contains("\"m5\"", apply.BeforeJson, StringComparison.Ordinal);
        Assert.Contains("c6i", apply.AfterJson, StringComparison.Ordinal);
        Assert.Equal([apply.Id], sandbox.FollowUp.Scheduled);

        // The simulation runs on: instances launched after the update are of the new types.
        sandbox.Clock.Advance(TimeSpan.FromHours(12));
        using var ec2 = sandbox.NewEc2();
        var instances = await ec2.DescribeInstancesAsync([new Ec2Filter("tag-key", ["AWSBatchServiceTag"])], CancellationToken.None);
        var launchedAfter = instances
            .Where(i => i.Tags.TryGetValue("aws:autoscaling:groupName", out var group) && group.StartsWith($"AWSBatch-{Ce}-", StringComparison.Ordinal))
            .Where(i => i.LaunchTimeMs > appliedAtMs + 1000)
            .ToList();
        Assert.NotEmpty(launchedAfter);
        Assert.All(launchedAfter, i => Assert.Contains(i.InstanceType.Split('.')[0], NewTypes));

        // The follow-up finds the CE VALID and records the outcome under the apply.
        Assert.True(await service.CheckOutcomeAsync(apply.Id, CancellationToken.None));
        var outcome = (await sandbox.AuditRowsAsync()).Last();
        Assert.Equal((AuditAction.Outcome, AuditResult.Valid, (long?)apply.Id), (outcome.Action, outcome.Result, outcome.ParentId));
        Assert.Equal(AuditResult.Valid, (await sandbox.Audit.AppliedAsync(42))!.Outcome);

        await sandbox.HarvestBatchAsync();
        await using var db = await sandbox.Database.Factory.CreateDbContextAsync();
        var stored = await db.ComputeEnvironments.AsNoTracking().SingleAsync(c => c.Name == Ce);
        Assert.Equal("c6i,m6i", stored.InstanceTypes);
    }

    [Fact]
    public async Task ApplyAsync_CeChangedByAnotherClientAfterPreview_ConflictWithTheNewDiffAndNoUpdateSent()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        var service = sandbox.Service();
        var wanted = new ComputeEnvironmentUpdate("spot-bid60", BidPercentage: 80);
        var preview = await service.PreviewAsync(ApplySandbox.Target.Account, ApplySandbox.Target.Region, "spot-bid60", wanted, null, CancellationToken.None);
        Assert.Equal("60", Assert.Single(preview.Plan.Diff).Before);

        await sandbox.NewBatch().UpdateComputeEnvironmentAsync(new ComputeEnvironmentUpdate("spot-bid60", BidPercentage: 70), CancellationToken.None);
        var result = await service.ApplyAsync(Confirm(preview, wanted), CancellationToken.None);

        Assert.Equal(ApplyOutcome.Conflict, result.Outcome);
        Assert.Equal(0, sandbox.Batch.Updates);
        Assert.Equal(70, (await sandbox.DescribeAsync("spot-bid60")).BidPercentage);
        Assert.NotNull(result.Preview);
        Assert.NotEqual(preview.Token, result.Preview.Token);
        Assert.Equal("70", Assert.Single(result.Preview.Plan.Diff).Before);
        var entry = Assert.Single(await sandbox.AuditRowsAsync());
        Assert.Equal((AuditAction.Conflict, AuditResult.Conflict), (entry.Action, entry.Result));
        Assert.Contains("\"bidPercentage\":70", entry.BeforeJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RollbackAsync_AfterAnAcceptedApply_RestoresTheEarlierTypesThroughTheSamePath()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        var service = sandbox.Service();
        var before = await sandbox.DescribeAsync(Ce);
        var preview = await service.PreviewAsync(ApplySandbox.Target.Account, ApplySandbox.Target.Region, Ce, NewTypesChange(), 42, CancellationToken.None);
        var applied = await service.ApplyAsync(Confirm(preview, NewTypesChange()), CancellationToken.None);
        Assert.Equal(ApplyOutcome.Applied, applied.Outcome);
        sandbox.Clock.Advance(TimeSpan.FromMinutes(5)); // the sandbox's infrastructure update is over (VALID again)

        var rollback = await service.PreviewRollbackAsync(applied.AuditId, CancellationToken.None);
        Assert.Equal(applied.AuditId, rollback.RollbackOf);
        var diff = Assert.Single(rollback.Plan.Diff);
        Assert.Equal(("c6i, m6i", "m5, c5, r5"), (diff.Before, diff.After));
        var wrongName = await service.RollbackAsync(applied.AuditId, rollback.Token, "od-general-typo", "bob", CancellationToken.None);
        var result = await service.RollbackAsync(applied.AuditId, rollback.Token, Ce, "bob", CancellationToken.None);

        Assert.Equal(ApplyOutcome.Refused, wrongName.Outcome);
        Assert.Equal(ApplyOutcome.Applied, result.Outcome);
        Assert.Equal(2, sandbox.Batch.Updates);
        Assert.Equal(before.InstanceTypes, (await sandbox.DescribeAsync(Ce)).InstanceTypes);
        var rows = await sandbox.AuditRowsAsync();
        var entry = rows.Single(r => r.Action == AuditAction.Rollback);
        Assert.Equal((AuditResult.Succeeded, "bob", (long?)applied.AuditId, (long?)42), (entry.Result, entry.Actor, entry.ParentId, entry.RecommendationId));
        Assert.Contains(rows, r => r.Action == AuditAction.PreviewRefused && r.ParentId == applied.AuditId);
        var mark = await sandbox.Audit.AppliedAsync(42);
        Assert.Equal(("alice", "bob"), (mark!.Actor, mark.RolledBackBy));
    }

    [Fact]
    public async Task ApplyAsync_BestFitCe_RefusedAsBlueGreenWithoutAnyCallAndAudited()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        var service = sandbox.Service();
        var wanted = NewTypesChange(ApplySandbox.BestFitCe);
        var preview = await service.PreviewAsync(ApplySandbox.Target.Account, ApplySandbox.Target.Region, ApplySandbox.BestFitCe, wanted, null, CancellationToken.None);
        Assert.Equal(ChangeKind.BlueGreenRequired, preview.Plan.Kind);

        var result = await service.ApplyAsync(Confirm(preview, wanted), CancellationToken.None);

        Assert.Equal(ApplyOutcome.Refused, result.Outcome);
        Assert.Contains("blue/green", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, sandbox.Batch.Updates);
        Assert.Equal(["m5"], (await sandbox.DescribeAsync(ApplySandbox.BestFitCe)).InstanceTypes);
        var entry = Assert.Single(await sandbox.AuditRowsAsync());
        Assert.Equal((AuditAction.PreviewRefused, AuditResult.Refused, ApplySandbox.BestFitCe), (entry.Action, entry.Result, entry.ComputeEnvironment));
        Assert.Contains("c6i", entry.RequestJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyAsync_DesiredBelowCurrent_RefusedWithAwsReasonAndNoCall()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        var service = sandbox.Service();
        var current = (await sandbox.DescribeAsync(Ce)).DesiredvCpus!.Value;
        Assert.True(current > 0);
        var wanted = new ComputeEnvironmentUpdate(Ce, DesiredvCpus: current - 1);
        var preview = await service.PreviewAsync(ApplySandbox.Target.Account, ApplySandbox.Target.Region, Ce, wanted, null, CancellationToken.None);

        var result = await service.ApplyAsync(Confirm(preview, wanted), CancellationToken.None);

        Assert.Equal(ApplyOutcome.Refused, result.Outcome);
        Assert.Contains("Manually scaling down", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, sandbox.Batch.Updates);
        Assert.Equal(AuditResult.Refused, Assert.Single(await sandbox.AuditRowsAsync()).Result);
    }

    [Fact]
    public async Task ApplyAsync_TypedNameDiffers_RefusedAndNothingSent()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        var service = sandbox.Service();
        var preview = await service.PreviewAsync(ApplySandbox.Target.Account, ApplySandbox.Target.Region, Ce, NewTypesChange(), null, CancellationToken.None);

        var result = await service.ApplyAsync(Confirm(preview, NewTypesChange(), typed: "od-genera"), CancellationToken.None);

        Assert.Equal(ApplyOutcome.Refused, result.Outcome);
        Assert.Equal(0, sandbox.Batch.Updates);
        Assert.Equal(["m5", "c5", "r5"], (await sandbox.DescribeAsync(Ce)).InstanceTypes);
    }

    [Fact]
    public async Task ApplyAsync_ApplySwitchedOff_RefusedWithTheReasonAndTheExportStillOffered()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        var service = sandbox.Service(enabled: false);
        var preview = await service.PreviewAsync(ApplySandbox.Target.Account, ApplySandbox.Target.Region, Ce, NewTypesChange(), null, CancellationToken.None);
        Assert.False(preview.ApplyEnabled);
        Assert.Equal(ApplyService.DisabledMessage, preview.DisabledReason);
        Assert.Contains("aws batch update-compute-environment", preview.AwsCli, StringComparison.Ordinal);

        var result = await service.ApplyAsync(Confirm(preview, NewTypesChange()), CancellationToken.None);

        Assert.Equal(ApplyOutcome.Refused, result.Outcome);
        Assert.Equal(0, sandbox.Batch.Updates);
        Assert.True(sandbox.Service().Enabled);
    }

    [Fact]
    public async Task PreviewAsync_CeTaggedAsTerraformManaged_WarnsAndOffersTheCode()
    {
        await using var sandbox = await ApplySandbox.StartAsync();
        // od-general is tagged team=platform: configure that as an IaC marker.
        var service = sandbox.Service(iacTags: ["team=platform"]);

        var preview = await service.PreviewAsync(ApplySandbox.Target.Account, ApplySandbox.Target.Region, Ce, NewTypesChange(), null, CancellationToken.None);
        var untagged = await sandbox.Service().PreviewAsync(ApplySandbox.Target.Account, ApplySandbox.Target.Region, Ce, NewTypesChange(), null, CancellationToken.None);

        Assert.Equal("tag team=platform", preview.ManagedBy);
        Assert.Null(untagged.ManagedBy);
        Assert.Contains("instance_type = [\"c6i\", \"m6i\"]", preview.Terraform, StringComparison.Ordinal);
        Assert.Contains("InstanceTypes:", preview.CloudFormation, StringComparison.Ordinal);
    }
}
