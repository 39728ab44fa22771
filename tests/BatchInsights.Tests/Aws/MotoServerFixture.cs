using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BatchInsights.Tests.Aws;

/// <summary>
/// A moto server (python3 -m moto.server) on a free loopback port for one test class
/// (<c>IClassFixture&lt;MotoServerFixture&gt;</c>). <see cref="IsAvailable"/> is false when moto is not
/// installed; pair the tests with <c>[PythonFact("moto", "boto3")]</c> so they skip.
/// </summary>
public sealed class MotoServerFixture : IAsyncLifetime
{
    public const string Region = "us-east-1";

    /// <summary>moto's default account id, as it appears in the ARNs it makes.</summary>
    public const string AccountId = "123456789012";

    private readonly StringBuilder _log = new();
    private Process? _process;

    public bool IsAvailable => _process is not null;

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1:1");

    public async Task InitializeAsync()
    {
        if (!Python.HasModules("moto", "boto3"))
        {
            return;
        }

        var port = FreeLoopbackPort();
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-m", "moto.server", "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"moto.server exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint, "/moto-api/data.json"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow first answer while moto imports its backends.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"moto.server did not answer on {Endpoint} within 60 s:\n{Log}");
            }

            await Task.Delay(200);
        }
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Forgets every resource (between tests that share the server).</summary>
    public async Task ResetAsync()
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Endpoint, "/moto-api/reset"), content: null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Runs a boto3 script against this server. The script can use <c>client("batch")</c> (endpoint, region
    /// and dummy keys set) and <c>emit(obj)</c> to print JSON (datetimes as strings); returns stdout.
    /// </summary>
    public Task<string> RunBoto3Async(string script, CancellationToken cancellationToken = default)
    {
        var prelude = $$"""
            import boto3, json, time
            def client(name):
                return boto3.client(name, endpoint_url="{{Endpoint}}", region_name="{{Region}}",
                                    aws_access_key_id="testing", aws_secret_access_key="testing")
            def emit(obj):
                print(json.dumps(obj, default=str))

            """;
        return Python.RunCheckedAsync(prelude + script, stdin: null, cancellationToken);
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
            _process = null;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
