using BatchInsights.Core.Browse;
using Microsoft.AspNetCore.Components;

namespace BatchInsights.Web.Components.Pages.Jobs;

public partial class JobsPage
{
    private IReadOnlyList<string> _queueNames = [];
    private string? _fromText;
    private string? _toText;
    private string? _fromError;
    private string? _toError;

    [Inject]
    private JobQueries JobQueries { get; set; } = default!;

    [Inject]
    private QueueQueries QueueQueries { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    // The URL is the filter's home: links can be shared and Back returns to the previous filter.
    [SupplyParameterFromQuery(Name = "queue")]
    public string? Queue { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? Status { get; set; }

    [SupplyParameterFromQuery(Name = "name")]
    public string? Name { get; set; }

    [SupplyParameterFromQuery(Name = "from")]
    public string? From { get; set; }

    [SupplyParameterFromQuery(Name = "to")]
    public string? To { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    public string? Sort { get; set; }

    [SupplyParameterFromQuery(Name = "account")]
    public string? Account { get; set; }

    [SupplyParameterFromQuery(Name = "region")]
    public string? Region { get; set; }

    private JobsViewModel Vm { get; set; } = default!;

    protected override void OnInitialized()
    {
        Vm = new JobsViewModel(JobQueries);
        base.OnInitialized();
    }

    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        var target = TargetFilter.From(Account, Region);
        var filter = JobsViewModel.FromQuery(Queue, Status, Name, From, To, Sort) with { Account = target.Account, Region = target.Region };
        _fromText = filter.CreatedFromMs is { } f ? BrowseFormat.UrlTime(f) : From;
        _toText = filter.CreatedToMs is { } t ? BrowseFormat.UrlTime(t) : To;
        if (_queueNames.Count == 0)
        {
            _queueNames = await QueueQueries.ListNamesAsync(cancellationToken);
        }

        if (filter != Vm.Filter)
        {
            await Vm.SetFilterAsync(filter, cancellationToken);
        }
        else
        {
            // Same filter: a harvest finished or the page re-rendered; keep the reader on the same page.
            await Vm.ReloadAsync(cancellationToken);
        }
    }

    private Task OnQueueChanged(string? value) => NavigateAsync(Vm.Filter with { Queue = value });

    private Task OnStatusChanged(string? value) => NavigateAsync(Vm.Filter with { Status = value });

    private Task OnNameChanged(string? value) => NavigateAsync(Vm.Filter with { NamePrefix = value });

    private Task OnSortChanged(JobSort value) => NavigateAsync(Vm.Filter with { Sort = value });

    private Task OnFromChanged(string? value)
    {
        _fromText = value;
        if (!TryReadTime(value, out var ms, out _fromError))
        {
            return Task.CompletedTask;
        }

        return NavigateAsync(Vm.Filter with { CreatedFromMs = ms });
    }

    private Task OnToChanged(string? value)
    {
        _toText = value;
        if (!TryReadTime(value, out var ms, out _toError))
        {
            return Task.CompletedTask;
        }

        return NavigateAsync(Vm.Filter with { CreatedToMs = ms });
    }

    private static bool TryReadTime(string? value, out long? ms, out string? error)
    {
        ms = null;
        error = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (BrowseFormat.TryParseTime(value, out var parsed))
        {
            ms = parsed;
            return true;
        }

        error = "Use a UTC time like 2026-11-25T08:00Z";
        return false;
    }

    // Changing the URL re-supplies the query parameters, which reloads through LoadAsync.
    private Task NavigateAsync(JobFilter filter)
    {
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(JobsViewModel.ToQuery(filter)));
        return Task.CompletedTask;
    }

    private Task NextAsync() => RunAsync(Vm.NextAsync);

    private Task PreviousAsync() => RunAsync(Vm.PreviousAsync);

    internal static string JobLink(string jobId) => "/jobs/" + Uri.EscapeDataString(jobId);
}
