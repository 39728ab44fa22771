using System.Text;

namespace BatchInsights.E2E;

/// <summary>A wrong config value stops the app at start with a message that names the key.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Aws__Mode", "Cloud", "Aws:Mode")]
    [InlineData("Harvest__BatchCron", "every minute", "Harvest:BatchCron")]
    [InlineData("Database__Provider", "Oracle", "Database:Provider")]
    [InlineData("Sandbox__ScenarioPath", "/nonexistent/scenario.json", "Sandbox:ScenarioPath")]
    [InlineData("Reports__TimeZone", "Mars/Olympus", "Reports:TimeZone")]
    [InlineData("Reports__Cron", "Mondays at eight", "Reports:Cron")]
    public async Task Start_WithWrongConfigValue_ExitsNamingTheKey(string variable, string value, string expectedKey)
    {
        var output = await RunUntilExitAsync(new Dictionary<string, string> { [variable] = value });

        Assert.Contains(expectedKey, output, StringComparison.Ordinal);
        Assert.Contains("BatchInsights cannot start", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithUnreachablePostgres_RetriesThenExitsNamingTheConnectionString()
    {
        var output = await RunUntilExitAsync(new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
            ["Database__ConnectionString"] = "Host=127.0.0.1;Port=9;Database=bi;Username=bi;Password=bi;Timeout=3",
            ["Database__StartupRetrySeconds"] = "4",
        });

        Assert.True(output.Contains("retrying in", StringComparison.Ordinal), output);
        Assert.Contains("Database:ConnectionString", output, StringComparison.Ordinal);
        Assert.Contains("BatchInsights cannot start", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Instance__Role", "Leader", "Instance:Role")]
    [InlineData("Instance__Role", "Worker", "Database:Provider Postgres")]
    [InlineData("Hangfire__InvisibilityTimeoutSeconds", "0", "Hangfire:InvisibilityTimeoutSeconds")]
    public async Task Start_WithWrongScaleOutSetting_ExitsNamingTheKey(string variable, string value, string expected)
    {
        var output = await RunUntilExitAsync(new Dictionary<string, string> { [variable] = value });

        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Contains("BatchInsights cannot start", output, StringComparison.Ordinal);
    }

    private static async Task<string> RunUntilExitAsync(Dictionary<string, string> environment)
    {
        var work = Directory.CreateTempSubdirectory("bi-startup-").FullName;
        environment["Urls"] = $"http://127.0.0.1:{AppProcess.FreePort()}";
        environment["Database__ConnectionString"] = environment.GetValueOrDefault("Database__ConnectionString") ?? $"Data Source={Path.Combine(work, "bi.db")}";
        environment["Hangfire__SqlitePath"] = Path.Combine(work, "hangfire.db");
        var output = new StringBuilder();
        using var process = AppProcess.Start(work, environment, line =>
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The app kept running with a wrong config value. Output:\n{output}");
        }

        process.WaitForExit(); // flush redirected output
        Assert.NotEqual(0, process.ExitCode);
        lock (output)
        {
            return output.ToString();
        }
    }
}
