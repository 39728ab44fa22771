using System.Net;
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

    /// <summary>The first admin's password, given by configuration (Auth__InitialAdminPassword) as a deployment would.</summary>
    public const string AdminPassword = "E2e-Admin-Passw0rd!";

    /// <summary>An API token of the admin, created through the API after signing in with the form.</summary>
    public string AdminToken { get; private set; } = "";

    /// <summary>Users created by the admin through POST /api/v1/users, with their generated passwords.</summary>
    public (string User, string Password) Operator { get; private set; }

    public (string User, string Password) Viewer { get; private set; }

    /// <summary>The app's built-in sandbox AWS account, from the line the app prints at start.</summary>
    public Uri SandboxEndpoint => new(System.Text.RegularExpressions.Regex.Match(Output, @"Sandbox AWS account listening on (\S+)").Groups[1].Value);

    /// <summary>An API token of the Viewer.</summary>
    public string ViewerToken { get; private set; } = "";
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
            ["Auth__InitialAdminPassword"] = AdminPassword,
        }, Append);

        using (var anonymous = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) })
        {
            await WaitUntilAsync(async () => (await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the app to answer /healthz");
        }

        // Set up users the way an admin would: sign in with the form, mint a token, create an Operator and a Viewer.
        using (var admin = await SignInAsync("admin", AdminPassword))
        {
            AdminToken = await CreateTokenAsync(admin, "e2e-admin");
        }

        using var http = Client();
        Operator = ("olga", await CreateUserAsync(http, "olga", "Operator"));
        Viewer = ("victor", await CreateUserAsync(http, "victor", "Viewer"));
        using (var viewer = await SignInAsync(Viewer.User, Viewer.Password))
        {
            ViewerToken = await CreateTokenAsync(viewer, "e2e-viewer");
        }

        await WaitUntilAsync(async () => await FirstHarvestSucceededAsync(http), TimeSpan.FromSeconds(180), "the first harvest to succeed");
    }

    /// <summary>An API client with a bearer token (the admin's unless another is given; "" = none).</summary>
    public HttpClient Client(string? token = null, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        token ??= AdminToken;
        if (token.Length > 0)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    /// <summary>Signs in through the sign-in form (antiforgery token included) and returns a client holding the cookie.</summary>
    public async Task<HttpClient> SignInAsync(string user, string password)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var form = await http.GetStringAsync(new Uri("/account/login", UriKind.Relative));
        var antiforgery = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var response = await http.PostAsync(new Uri("/account/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = user,
            ["password"] = password,
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = antiforgery,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/")
        {
            throw new InvalidOperationException($"Sign-in as {user} failed: {(int)response.StatusCode} → {response.Headers.Location}");
        }

        return http;
    }

    /// <summary>Signs a browser page in through the form, as a person would.</summary>
    public static async Task SignInAsync(Microsoft.Playwright.IPage page, string user, string password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByTestId("login-user").FillAsync(user);
        await page.GetByTestId("login-password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal));
    }

    private static async Task<string> CreateTokenAsync(HttpClient signedIn, string name)
    {
        using var response = await signedIn.PostAsync(new Uri("/api/v1/tokens", UriKind.Relative), JsonContent(new { name }));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /api/v1/tokens: {(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("token").GetString()!;
    }

    private static async Task<string> CreateUserAsync(HttpClient admin, string userName, string role)
    {
        using var response = await admin.PostAsync(new Uri("/api/v1/users", UriKind.Relative), JsonContent(new { userName, role }));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /api/v1/users: {(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("password").GetString()!;
    }

    public static StringContent JsonContent(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

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
        using var http = Client();
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
