using System.Diagnostics;
using BatchInsights.Core.Apply;
using BatchInsights.Core.Aws;
using BatchInsights.Tests.Aws;
using BatchInsights.Tests.Sandbox;

namespace BatchInsights.Tests.Apply;

/// <summary>The exported AWS CLI command, run by the real CLI through a shell against a sandbox of its own (it changes a CE).</summary>
public sealed class ChangeExportCliTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    [Fact]
    public async Task AwsCli_ExportedCommand_ChangesTheComputeEnvironmentAsPlanned()
    {
        var batch = TestClients.Batch(fixture.Server.BaseAddress);
        var before = (await batch.DescribeComputeEnvironmentsAsync(CancellationToken.None)).Single(c => c.Name == "spot-optimal");
        var plan = ChangePlanner.Plan(before, new ComputeEnvironmentUpdate("spot-optimal", MaxvCpus: (before.MaxvCpus ?? 0) + 64,
            InstanceTypes: ["c5.large", "m5.large", "r5.large"], UpdatePolicy: new ComputeEnvironmentUpdatePolicy(false, 45)));
        Assert.True(plan.CanApply, string.Join(" ", plan.Rejections));

        var command = ChangeExport.AwsCli(plan.Request, "us-east-1") + $" --endpoint-url {fixture.Server.BaseAddress} --output json";
        var (exit, stderr) = await ShellAsync(command);

        Assert.True(exit == 0, $"{command}\n{stderr}");
        var after = (await batch.DescribeComputeEnvironmentsAsync(CancellationToken.None)).Single(c => c.Name == "spot-optimal");
        Assert.Equal(["c5.large", "m5.large", "r5.large"], after.InstanceTypes);
        Assert.Equal(before.MaxvCpus + 64, after.MaxvCpus);
        // Planning the same change again finds nothing left to do.
        Assert.Equal(ChangeKind.None, ChangePlanner.Plan(after, plan.Request).Kind);
    }

    private static async Task<(int Exit, string Stderr)> ShellAsync(string command)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        AwsCli.UseSandboxCredentials(start);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start sh");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
