using BatchInsights.Core.Access;
using BatchInsights.Core.Apply;
using BatchInsights.Core.Browse;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Data;
using BatchInsights.Tests.Browse;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;
using MudBlazor.Services;

namespace BatchInsights.Tests.Web;

/// <summary>
/// bUnit context for pages: MudBlazor services with loose JS interop, the real query classes over a
/// real SQLite file, a fixed clock and a data-changed source the test can raise.
/// </summary>
public abstract class UiTestContext : BunitContext, IAsyncLifetime
{
    protected UiTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddLogging();
        Services.AddSingleton<IDbContextFactory<BatchInsightsDbContext>>(Db.Factory);
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddSingleton<IDataChangedSource>(DataChanged);
        Services.AddBatchInsightsBrowse();
        Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new CostOptions()));
        Services.AddTransient<CostQueries>();
        // The recommendation detail page shows "Applied by … at …" from the audit log.
        Services.AddTransient<AuditLog>();
        // Pages see a signed-in user; Operator by default, so the write controls render. Tests change it via Auth.
        Auth = AddAuthorization();
        SignInAs(Roles.Operator);
    }

    protected BunitAuthorizationContext Auth { get; }

    /// <summary>The page's user has this role, and the policies it satisfies (Operator also passes Viewer).</summary>
    protected void SignInAs(string role, string userName = "olga")
    {
        Auth.SetAuthorized(userName);
        Auth.SetRoles(role);
        Auth.SetPolicies([.. Roles.All.Where(policy => Roles.Satisfying(policy).Contains(role))]);
    }

    protected TestDatabase Db { get; } = new();

    protected FakeTimeProvider Clock { get; } = new(Rows.Now);

    protected TestDataChanged DataChanged { get; } = new();

    protected NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    /// <summary>Renders a page the way the layout hosts it: after the MudBlazor providers.</summary>
    protected IRenderedComponent<TPage> RenderPage<TPage>()
        where TPage : IComponent
    {
        var host = Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<TPage>(1);
            builder.CloseComponent();
        });
        return host.FindComponent<TPage>();
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are only IAsyncDisposable: dispose asynchronously (xunit 2 calls this before Dispose).
    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        Db.Dispose();
    }

    protected sealed class TestDataChanged : IDataChangedSource
    {
        public event Action? Changed;

        public void Raise() => Changed?.Invoke();
    }
}
