namespace BatchInsights.Core.Browse;

/// <summary>
/// Raised (on any thread) when stored data changed, e.g. a harvest run finished. Open pages reload on it.
/// The host adapts the harvester's notifier to this seam; without one nothing is ever raised.
/// </summary>
public interface IDataChangedSource
{
    event Action? Changed;
}

/// <summary>The default when no harvester is wired: pages never auto-refresh.</summary>
public sealed class NoDataChangedSource : IDataChangedSource
{
    public event Action? Changed
    {
        add { }
        remove { }
    }
}
