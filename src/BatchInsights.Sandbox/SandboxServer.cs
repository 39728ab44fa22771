namespace BatchInsights.Sandbox;

/// <summary>Settings of one sandbox account (placeholder: the helper fleshes this out).</summary>
public sealed record SandboxSettings
{
    /// <summary>Loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Scenario file; null uses the embedded default scenario.</summary>
    public string? ScenarioPath { get; init; }
}

/// <summary>A running sandbox AWS account on loopback.</summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private SandboxServer(Uri baseAddress) => BaseAddress = baseAddress;

    public Uri BaseAddress { get; }

    public static Task<SandboxServer> StartAsync(SandboxSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Task.FromResult(new SandboxServer(new Uri($"http://127.0.0.1:{settings.Port}")));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
