using BatchInsights.Core.Browse;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Logging;

namespace BatchInsights.Web.Components.Shared;

/// <summary>
/// A page that shows stored data and reloads when it changes (a harvest finished): it subscribes to
/// <see cref="IDataChangedSource"/>, reloads on the circuit's dispatcher and unsubscribes on dispose.
/// </summary>
public abstract class DataPageBase : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _disposed = new();

    [Inject]
    protected IDataChangedSource DataChanged { get; set; } = default!;

    [Inject]
    protected ILoggerFactory LoggerFactory { get; set; } = default!;

    /// <summary>True until the first load finished.</summary>
    protected bool Loading { get; private set; } = true;

    /// <summary>The last load's failure, shown on the page (a failed load must be visible, not silent).</summary>
    protected string? LoadError { get; private set; }

    protected CancellationToken Aborted => _disposed.Token;

    /// <summary>Loads the page's data; called first, on parameter changes when overridden to, and on data changes.</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    protected override void OnInitialized()
    {
        DataChanged.Changed += OnDataChanged;
    }

    protected override Task OnParametersSetAsync() => ReloadAsync();

    /// <summary>Runs <see cref="LoadAsync"/> and records its failure for display.</summary>
    protected Task ReloadAsync() => RunAsync(LoadAsync);

    /// <summary>Runs a data action (load, next page…) and records its failure for display.</summary>
    protected async Task RunAsync(Func<CancellationToken, Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            await action(Aborted);
            LoadError = null;
        }
        catch (OperationCanceledException) when (Aborted.IsCancellationRequested)
        {
            // The circuit went away mid-load.
        }
        catch (InvalidQueryParameterException ex)
        {
            LoadError = ex.Message;
        }
        catch (Exception ex)
        {
            LoggerFactory.CreateLogger(GetType()).LogError(ex, "Loading {Page} failed", GetType().Name);
            LoadError = "Loading failed: " + ex.Message;
        }
        finally
        {
            Loading = false;
        }
    }

    // Raised on a harvest thread: hop onto this circuit's dispatcher before touching state.
    private void OnDataChanged() => _ = InvokeAsync(async () =>
    {
        if (Aborted.IsCancellationRequested)
        {
            return;
        }

        await ReloadAsync();
        StateHasChanged();
    });

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            DataChanged.Changed -= OnDataChanged;
            _disposed.Cancel();
            _disposed.Dispose();
        }
    }
}
