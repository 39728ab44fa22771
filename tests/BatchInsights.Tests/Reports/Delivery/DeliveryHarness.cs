using System.Globalization;
using BatchInsights.Core.Data;
using BatchInsights.Core.Reports;
using BatchInsights.Core.Reports.Delivery;
using BatchInsights.Tests.Browse;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BatchInsights.Tests.Reports.Delivery;

/// <summary>
/// The delivery services as the host wires them (AddReportDelivery over a "Reports" configuration section),
/// over a real SQLite file, a fixed clock and <see cref="FakeWeeklyReportSource"/>.
/// </summary>
public sealed class DeliveryHarness : IAsyncDisposable
{
    public static readonly IsoWeek Week = new(2026, 47);

    private readonly ServiceProvider _services;

    public DeliveryHarness(IDictionary<string, string?> reports, TestDatabase? db = null, DateTimeOffset? now = null)
    {
        Clock = new FakeTimeProvider(now ?? new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        Db = db ?? new TestDatabase();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(reports.Select(kv => new KeyValuePair<string, string?>($"{ReportOptions.Section}:{kv.Key}", kv.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton(Db.Factory);
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton<IWeeklyReportSource>(Source);
        services.AddSingleton<Hangfire.IBackgroundJobClient>(Jobs);
        services.AddReportDelivery();
        _services = services.BuildServiceProvider();
    }

    public TestDatabase Db { get; }

    /// <summary>Monday 2026-11-23 08:00 UTC unless the test picked another start.</summary>
    public FakeTimeProvider Clock { get; }

    public FakeWeeklyReportSource Source { get; } = new FakeWeeklyReportSource().With(FakeWeeklyReportSource.Sample());

    /// <summary>Jobs the code under test queued or scheduled (no Hangfire server runs in these tests).</summary>
    public RecordingBackgroundJobClient Jobs { get; } = new();

    public IServiceProvider Services => _services;

    public ReportDeliveryService Delivery => _services.GetRequiredService<ReportDeliveryService>();

    public ReportOptions Options => _services.GetRequiredService<IOptions<ReportOptions>>().Value;

    /// <summary>"Reports" keys for an SMTP server on loopback <paramref name="port"/> and the given recipients.</summary>
    public static Dictionary<string, string?> Smtp(int port, params string[] recipients)
    {
        var keys = new Dictionary<string, string?>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Smtp:From"] = "BatchInsights <reports@batchinsights.test>",
        };
        for (var i = 0; i < recipients.Length; i++)
        {
            keys[$"Recipients:{i}"] = recipients[i];
        }

        return keys;
    }

    public async Task<List<ReportDeliveryRow>> RowsAsync()
    {
        await using var db = await Db.Factory.CreateDbContextAsync();
        return await db.ReportDeliveries.AsNoTracking().OrderBy(r => r.Recipient).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Db.Dispose();
    }
}

/// <summary>A fake Hangfire client, named as such: records what would have been queued, with its state (e.g. Scheduled and when).</summary>
public sealed class RecordingBackgroundJobClient : Hangfire.IBackgroundJobClient
{
    public List<(Hangfire.Common.Job Job, Hangfire.States.IState State)> Created { get; } = [];

    public string Create(Hangfire.Common.Job job, Hangfire.States.IState state)
    {
        Created.Add((job, state));
        return Created.Count.ToString(CultureInfo.InvariantCulture);
    }

    public bool ChangeState(string jobId, Hangfire.States.IState state, string expectedState) => throw new NotSupportedException();
}
