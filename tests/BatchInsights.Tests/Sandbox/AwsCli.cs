using System.Diagnostics;
using System.Text.Json;

namespace BatchInsights.Tests.Sandbox;

/// <summary>The preinstalled AWS CLI, a client nobody here wrote, pointed at a sandbox.</summary>
internal static class AwsCli
{
    /// <summary>Runs <c>aws ARGS --endpoint-url SANDBOX --output json</c> with dummy keys and returns the parsed output.</summary>
    public static async Task<JsonElement> RunJsonAsync(Uri endpoint, params string[] args)
    {
        var start = new ProcessStartInfo("aws")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var a in new[] { "--endpoint-url", endpoint.ToString(), "--region", "us-east-1", "--output", "json" }) start.ArgumentList.Add(a);
        UseSandboxCredentials(start);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the aws CLI");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"aws {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }

    /// <summary>Dummy keys and no profile, config file or instance metadata: the CLI talks to the sandbox only.</summary>
    public static void UseSandboxCredentials(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.Environment["AWS_ACCESS_KEY_ID"] = "AKIDSANDBOX";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "sandbox-secret";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment.Remove("AWS_PROFILE");
    }
}
