using System.Collections.Concurrent;
using System.Diagnostics;

namespace BatchInsights.Tests.Aws;

/// <summary>Runs python3 snippets (botocore, boto3, moto are preinstalled here and in CI).</summary>
public static class Python
{
    private static readonly ConcurrentDictionary<string, bool> Probed = new();

    /// <summary>True when python3 exists and can import every module.</summary>
    public static bool HasModules(params string[] modules) =>
        Probed.GetOrAdd(string.Join(",", modules), key =>
        {
            try
            {
                var result = RunAsync($"import {key}", stdin: null, CancellationToken.None).GetAwaiter().GetResult();
                return result.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false; // no python3 on PATH
            }
        });

    /// <summary>Runs a script; fails the test with python's stderr when it exits non-zero.</summary>
    public static async Task<string> RunCheckedAsync(string script, string? stdin, CancellationToken cancellationToken, IDictionary<string, string>? environment = null)
    {
        var result = await RunAsync(script, stdin, cancellationToken, environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"python3 exited with {result.ExitCode}:\n{result.StdErr}\n{result.StdOut}");
        }

        return result.StdOut;
    }

    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(
        string script, string? stdin, CancellationToken cancellationToken, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A fact that is skipped (not failed) when python3 or one of the modules is missing.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute(params string[] modules)
    {
        if (!Python.HasModules(modules))
        {
            Skip = $"python3 with {string.Join(", ", modules)} is not installed";
        }
    }
}
