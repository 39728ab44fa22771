using BatchInsights.Core.Browse;
using BatchInsights.Core.Harvesting;

namespace BatchInsights.Web.Hosting;

/// <summary>Open pages reload when a harvest run finishes (whatever its outcome: a failed run shows on the page too).</summary>
internal sealed class HarvestDataChangedSource(IHarvestNotifier notifier) : IDataChangedSource
{
    public event Action? Changed
    {
        add => notifier.Completed += Adapt(value);
        remove => notifier.Completed -= Adapt(value);
    }

    // The same wrapper instance is needed for add and remove, so wrappers are cached per handler.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Action, Action<HarvestCompleted>> Wrappers = new();

    private static Action<HarvestCompleted>? Adapt(Action? handler) =>
        handler is null ? null : Wrappers.GetValue(handler, h => _ => h());
}
