using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BatchInsights.E2E;

/// <summary>
/// Starts the built app as README.md does (<c>dotnet run</c>), for the browser tests and, linked into
/// BatchInsights.Tests, for the several-instances tests against PostgreSQL.
/// </summary>
public static class AppProcess
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Starts <c>dotnet run --no-build --project src/BatchInsights.Web</c> with extra environment variables.</summary>
    public static Process Start(string workDirectory, IReadOnlyDictionary<string, string> environment, Action<string?> output)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "run", "--no-build", "-c", configuration, "--project", Path.Combine(RepositoryRoot, "src", "BatchInsights.Web") })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        process.OutputDataReceived += (_, e) => output(e.Data);
        process.ErrorDataReceived += (_, e) => output(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BatchInsights.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BatchInsights.sln not found above " + AppContext.BaseDirectory);
    }
}
