using System.Globalization;
using System.Runtime.InteropServices;
using BatchInsights.Sandbox;

// Standalone: dotnet run --project src/BatchInsights.Sandbox -- --port 4566 [--scenario file.json] [--seed N] [--jobs N]
var settings = new SandboxSettings { Port = 4566 };
for (var i = 0; i < args.Length - 1; i += 2)
{
    settings = args[i] switch
    {
        "--port" => settings with { Port = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
        "--scenario" => settings with { ScenarioPath = args[i + 1] },
        "--seed" => settings with { Seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
        "--jobs" => settings with { TargetJobCount = long.Parse(args[i + 1], CultureInfo.InvariantCulture) },
        _ => throw new ArgumentException($"Unknown option '{args[i]}'. Options: --port N, --scenario FILE, --seed N, --jobs N."),
    };
}

await using var server = await SandboxServer.StartAsync(settings, CancellationToken.None);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Sandbox AWS account {server.AccountId} ({server.Region}) listening on {server.BaseAddress} - {server.JobCountNow:N0} jobs, started in {server.StartupTime.TotalSeconds:F2} s"));
Console.WriteLine($"Try: aws batch describe-job-queues --endpoint-url {server.BaseAddress} --region {server.Region}");
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM: dispose the server and exit cleanly.
}
