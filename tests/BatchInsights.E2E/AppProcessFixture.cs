using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BatchInsights.Tests.Reports.Delivery;

namespace BatchInsights.E2E;

/// <summary>
/// Starts the dashboard the way README.md does (<c>dotnet run --project src/BatchInsights.Web</c>: built-in sandbox,
/// a fresh SQLite file) in a temp working directory on a free loopback port, and waits for the first harvest.
/// </summary>
public sealed class AppProcessFixture : IAsyncLifetime
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A real SMTP server on loopback that the app is configured to send the weekly report to.</summary>
    public LoopbackSmtpServer Smtp { get; private set; } = null!;

    public const string ReportRecipient = "team-leads@example.com";
    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("batchinsights-e2e-").FullName;
    public static string ArtifactsDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppProcess.RepositoryRoot, "artifacts", "e2e")).FullName;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        var port = AppProcess.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        Smtp = await LoopbackSmtpServer.StartAsync();
        _process = AppProcess.Start(WorkDirectory, new Dictionary<string, string>
        {
            ["Reports__Recipients__0"] = ReportRecipient,
            ["Reports__Smtp__Host"] = "127.0.0.1",
            ["Reports__Smtp__Port"] = Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Reports__Smtp__Security"] = "None",
            ["Reports__Smtp__From"] = "batchinsights@example.com",
            ["Urls"] = BaseAddress.ToString(),
            // dotnet run starts the app in the project directory: keep this run's databases in its own temp directory.
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(WorkDirectory, "batchinsights.db")}",
            ["Hangfire__SqlitePath"] = Path.Combine(WorkDirectory, "hangfire.db"),
        }, Append);

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        await WaitUntilAsync(async () => (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the app to answer /healthz");
        await WaitUntilAsync(async () => await FirstHarvestSucceededAsync(http), TimeSpan.FromSeconds(180), "the first harvest to succeed");
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        await Smtp.DisposeAsync();
        await File.WriteAllTextAsync(Path.Combine(ArtifactsDirectory, "app-output.log"), Output);
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open by a dying process: the temp dir is cleaned by the OS later
        }
    }

    /// <summary>Waits until a run of this kind ("instances", "network", …) has finished with data (Succeeded or Partial).</summary>
    public async Task WaitForRunAsync(string kind, TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        await WaitUntilAsync(async () =>
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/harvest/runs", UriKind.Relative)));
            var runs = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement : json.RootElement.GetProperty("items");
            return runs.EnumerateArray().Any(r => r.GetProperty("kind").GetString() == kind
                && r.GetProperty("outcome").GetString() is "Succeeded" or "Partial");
        }, timeout, $"a finished '{kind}' harvest");
    }

    /// <summary>Polls a JSON API path until <paramref name="ready"/> holds for its body, which it returns (cloned).</summary>
    public async Task<JsonElement> WaitForJsonAsync(HttpClient http, string path, Func<JsonElement, bool> ready, TimeSpan timeout, string what)
    {
        JsonElement result = default;
        await WaitUntilAsync(async () =>
        {
            var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            if (!response.IsSuccessStatusCode) return false;
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (!ready(json.RootElement)) return false;
            result = json.RootElement.Clone();
            return true;
        }, timeout, what);
        return result;
    }

    private static async Task<bool> FirstHarvestSucceededAsync(HttpClient http)
    {
        var response = await http.GetAsync(new Uri("/api/v1/harvest/runs", UriKind.Relative));
        if (!response.IsSuccessStatusCode)
        {
            return false;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var runs = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement : json.RootElement.GetProperty("items");
        return runs.EnumerateArray().Any(r => r.GetProperty("outcome").GetString() == "Succeeded");
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"The app exited with code {_process.ExitCode} while waiting for {what}. Output:\n{Output}");
            }

            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // slow first request
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}. Output:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
