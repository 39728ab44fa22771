using BatchInsights.Core.Aws;
using BatchInsights.Core.Browse;

namespace BatchInsights.Web.Components.Pages.Jobs;

/// <summary>
/// The Jobs page's state without Blazor types: the filter taken from the URL, the current keyset page
/// and a stack of the cursors of earlier pages (keyset paging only goes forward, so "Previous" replays).
/// </summary>
public sealed class JobsViewModel(JobQueries queries)
{
    private readonly Stack<string?> _previous = new();
    private string? _current;

    public JobFilter Filter { get; private set; } = new();

    public int PageSize { get; set; } = JobQueries.DefaultLimit;

    public JobPage Page { get; private set; } = new([], null);

    public bool HasNext => Page.Next is not null;

    public bool HasPrevious => _previous.Count > 0;

    public int PageNumber => _previous.Count + 1;

    /// <summary>Applies a filter (from the URL); a different filter starts again at the first page.</summary>
    public Task SetFilterAsync(JobFilter filter, CancellationToken cancellationToken)
    {
        if (filter != Filter)
        {
            Filter = filter;
            _previous.Clear();
            _current = null;
        }

        return ReloadAsync(cancellationToken);
    }

    /// <summary>Reloads the current page in place (e.g. after a harvest).</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken) =>
        Page = await queries.ListAsync(Filter, _current, PageSize, cancellationToken);

    public async Task NextAsync(CancellationToken cancellationToken)
    {
        if (Page.Next is not { } next)
        {
            return;
        }

        _previous.Push(_current);
        _current = next;
        await ReloadAsync(cancellationToken);
    }

    public async Task PreviousAsync(CancellationToken cancellationToken)
    {
        if (_previous.Count == 0)
        {
            return;
        }

        _current = _previous.Pop();
        await ReloadAsync(cancellationToken);
    }

    /// <summary>The filter as URL query values (null drops the key), the inverse of <see cref="FromQuery"/>.</summary>
    public static IReadOnlyDictionary<string, object?> ToQuery(JobFilter filter) => new Dictionary<string, object?>
    {
        ["queue"] = Blank(filter.Queue),
        ["status"] = Blank(filter.Status),
        ["name"] = Blank(filter.NamePrefix),
        ["from"] = filter.CreatedFromMs is { } f ? BrowseFormat.UrlTime(f) : null,
        ["to"] = filter.CreatedToMs is { } t ? BrowseFormat.UrlTime(t) : null,
        ["sort"] = filter.Sort == JobSort.CreatedAsc ? "asc" : null,
    };

    /// <summary>Builds a filter from URL values; unreadable times are dropped (a hand-edited URL must not break the page).</summary>
    public static JobFilter FromQuery(string? queue, string? status, string? name, string? from, string? to, string? sort) => new(
        Blank(queue),
        Blank(status) is { } s ? BatchJobStatus.Normalize(s) ?? s : null,
        Blank(name),
        BrowseFormat.TryParseTime(from, out var f) ? f : null,
        BrowseFormat.TryParseTime(to, out var t) ? t : null,
        string.Equals(sort, "asc", StringComparison.OrdinalIgnoreCase) ? JobSort.CreatedAsc : JobSort.CreatedDesc);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
