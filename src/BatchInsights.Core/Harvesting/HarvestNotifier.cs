using BatchInsights.Core.Aws;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Core.Harvesting;

/// <summary>What a finished harvest of one target reports to open pages.</summary>
public sealed record HarvestCompleted(
    AwsTarget Target,
    string Kind,
    long RunId,
    string Outcome,
    DateTime EndedAt,
    long JobsWritten,
    string? Error);

/// <summary>
/// Tells open pages (Blazor circuits) that a harvest finished so they can reload. Register as a
/// singleton; components subscribe to <see cref="Completed"/>, call InvokeAsync(StateHasChanged)
/// and unsubscribe on dispose.
/// </summary>
public interface IHarvestNotifier
{
    event Action<HarvestCompleted>? Completed;

    void Publish(HarvestCompleted completed);
}

public sealed class HarvestNotifier(ILogger<HarvestNotifier> logger) : IHarvestNotifier
{
    public event Action<HarvestCompleted>? Completed;

    public void Publish(HarvestCompleted completed)
    {
        var handlers = Completed;
        if (handlers is null)
        {
            return;
        }

        // One broken subscriber (e.g. a circuit being torn down) must not fail the harvest or starve
        // the other pages, so each handler runs on its own.
        foreach (var handler in handlers.GetInvocationList().Cast<Action<HarvestCompleted>>())
        {
            try
            {
                handler(completed);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "A harvest subscriber failed for {Target} run {RunId}", completed.Target, completed.RunId);
            }
        }
    }
}
