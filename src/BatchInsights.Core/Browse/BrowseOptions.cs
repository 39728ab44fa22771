namespace BatchInsights.Core.Browse;

/// <summary>The "Browse" section: thresholds used by the read pages.</summary>
public sealed class BrowseOptions
{
    public const string Section = "Browse";

    /// <summary>A queue whose oldest RUNNABLE job waited longer than this is flagged as stuck.</summary>
    public TimeSpan StuckRunnableAfter { get; set; } = TimeSpan.FromMinutes(30);
}
