using System.ComponentModel;
using System.Diagnostics;

namespace BatchInsights.Tests.Infra;

/// <summary>cfn-lint (preinstalled here and in CI) must report nothing, not even warnings, on every template in infra/.</summary>
public sealed class CfnLintTests
{
    [CfnLintFact]
    public async Task CfnLint_EveryTemplate_HasNoFindings()
    {
        var templates = InfraFiles.Templates();
        Assert.True(templates.Count >= 2, $"expected the CloudFormation templates in {InfraFiles.InfraDirectory}");

        foreach (var template in templates)
        {
            var (exitCode, output) = await CfnLint.RunAsync(template);

            Assert.True(exitCode == 0, $"cfn-lint {Path.GetFileName(template)} exited with {exitCode}:\n{output}");
        }
    }

    [CfnLintFact]
    public async Task CfnLint_ABrokenTemplate_IsReported()
    {
        // Guards the test above: a template cfn-lint rejects must fail it, so a silently passing cfn-lint cannot hide errors.
        var broken = Path.Combine(Path.GetTempPath(), $"batchinsights-broken-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(broken, """
            AWSTemplateFormatVersion: "2010-09-09"
            Resources:
              Group:
                Type: AWS::ElasticLoadBalancingV2::TargetGroup
                Properties:
                  Port: not-a-port
            """);
        try
        {
            var (exitCode, output) = await CfnLint.RunAsync(broken);

            Assert.NotEqual(0, exitCode);
            Assert.Contains("not-a-port", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }
}

internal static class CfnLint
{
    public static readonly Lazy<bool> Installed = new(() =>
    {
        try
        {
            return RunAsync("--version").GetAwaiter().GetResult().ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false; // not on PATH
        }
    });

    public static async Task<(int ExitCode, string Output)> RunAsync(string argument)
    {
        var start = new ProcessStartInfo("cfn-lint")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }
}

/// <summary>A fact skipped (with the reason) only when cfn-lint is not installed; CI and this machine have it.</summary>
public sealed class CfnLintFactAttribute : FactAttribute
{
    public CfnLintFactAttribute()
    {
        if (!CfnLint.Installed.Value)
        {
            Skip = "cfn-lint is not installed (pip install cfn-lint); the CloudFormation templates in infra/ were not linted";
        }
    }
}
