using BatchInsights.Sandbox;

var port = 4566;
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--port")
    {
        port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    }
}

await using var server = await SandboxServer.StartAsync(new SandboxSettings { Port = port }, CancellationToken.None);
Console.WriteLine($"Sandbox listening on {server.BaseAddress}");
await Task.Delay(Timeout.Infinite);
