using BatchInsights.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace BatchInsights.Core.Reports.Delivery;

/// <summary>
/// Sends a week's report to every configured recipient (e-mail) and the webhook, through the delivery ledger
/// (<see cref="ReportDeliveryRow"/>): one row per week, channel and recipient, never sent twice.
/// </summary>
/// <remarks>
/// Each send is preceded by a claim: one conditional UPDATE (atomic, its own transaction) moves the row from a
/// sendable state to Sending; whoever's UPDATE changed the row sends, everyone else (a second run, a second
/// instance, the retry job) skips it. The one window left is a crash after the server accepted the message and
/// before the row is marked Sent: the row then stays Sending, and after <see cref="StaleClaimAfter"/> the retry job
/// marks it Failed without an automatic retry (the message may have gone out) — a person checks the mailbox and
/// presses Retry. A duplicate is therefore possible only by hand, and never silently.
/// </remarks>
public sealed class ReportDeliveryService(
    IDbContextFactory<BatchInsightsDbContext> dbFactory,
    IWeeklyReportSource source,
    SmtpReportSender smtp,
    WebhookReportSender webhook,
    IOptions<ReportOptions> options,
    TimeProvider clock,
    ILogger<ReportDeliveryService> logger)
{
    /// <summary>A row Sending for longer than this was claimed by a process that stopped mid-send.</summary>
    public static readonly TimeSpan StaleClaimAfter = TimeSpan.FromMinutes(15);

    private enum ClaimMode
    {
        /// <summary>The schedule and the retry job: Pending rows and Failed rows that are due.</summary>
        Automatic,

        /// <summary>A person pressed Send now / Retry: Pending, Failed and GaveUp rows, due or not.</summary>
        ByHand,
    }

    /// <summary>
    /// The scheduled path: (re)builds the week from the roll-ups, then sends it to everyone it was not sent to. While its costs
    /// are still provisional and the week ended less than Reports:WaitForCostsHours ago, it sends nothing and says why in
    /// <see cref="ScheduledDelivery.HeldBack"/> (the job checks again later); after that it sends the report marked
    /// provisional, so a stuck harvest delays the report but never swallows it.
    /// </summary>
    public async Task<ScheduledDelivery> BuildAndDeliverAsync(IsoWeek week, CancellationToken cancellationToken = default)
    {
        await source.BuildAsync(week, cancellationToken);
        var rendered = await RenderAsync(week, cancellationToken);
        if (rendered.ProvisionalNote is { } note)
        {
            var weekEnd = DateTimeOffset.FromUnixTimeMilliseconds(week.UtcRangeMs(options.Value.ResolveTimeZone()).EndMs);
            if (clock.GetUtcNow() < weekEnd.AddHours(options.Value.WaitForCostsHours))
            {
                logger.LogWarning("Report {Week} held back: {Note}", week, note);
                return new ScheduledDelivery(note, await ListAsync(week, cancellationToken));
            }

            logger.LogWarning("Report {Week} sent provisional after waiting {Hours} h for costs: {Note}", week, options.Value.WaitForCostsHours, note);
        }

        return new ScheduledDelivery(null, await DeliverAsync(week, ClaimMode.Automatic, rendered, cancellationToken));
    }

    /// <summary>Send now (Reports page, POST /api/v1/reports/{week}/send): builds the week if it never was, then sends to every configured recipient not yet sent to, given-up ones included.</summary>
    public Task<IReadOnlyList<DeliveryStatus>> SendWeekAsync(IsoWeek week, CancellationToken cancellationToken = default) =>
        DeliverAsync(week, ClaimMode.ByHand, null, cancellationToken);

    /// <summary>Retry of one row by hand (Failed, GaveUp or Pending); null when no such row exists.</summary>
    public async Task<DeliveryStatus?> RetryAsync(long id, CancellationToken cancellationToken = default)
    {
        ReportDeliveryRow? row;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            row = await db.ReportDeliveries.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        }

        if (row is null)
        {
            return null;
        }

        var week = IsoWeek.Parse(row.Week);
        var report = await RenderAsync(week, cancellationToken);
        await SendRowAsync(row, report, Targets(), ClaimMode.ByHand, cancellationToken);
        return (await ListAsync(week, cancellationToken)).FirstOrDefault(s => s.Id == id);
    }

    /// <summary>
    /// The retry job: Failed rows whose next attempt is due (and Pending rows a stopped run left behind) are sent
    /// again; rows stuck in Sending are marked Failed for a person to check. Returns how many rows were tried.
    /// </summary>
    public async Task<int> RetryDueAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await ReleaseStaleClaimsAsync(now, cancellationToken);
        List<ReportDeliveryRow> due;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            due = await db.ReportDeliveries.AsNoTracking()
                .Where(r => r.State == DeliveryState.Pending
                    || (r.State == DeliveryState.Failed && r.NextAttemptAt != null && r.NextAttemptAt <= now))
                .OrderBy(r => r.Id)
                .ToListAsync(cancellationToken);
        }

        var targets = Targets();
        foreach (var weekRows in due.GroupBy(r => r.Week))
        {
            var report = await RenderAsync(IsoWeek.Parse(weekRows.Key), cancellationToken);
            foreach (var row in weekRows)
            {
                await SendRowAsync(row, report, targets, ClaimMode.Automatic, cancellationToken);
            }
        }

        return due.Count;
    }

    /// <summary>Every configured recipient of the week (NotSent when no row exists yet) and any earlier ledger rows of that week.</summary>
    public async Task<IReadOnlyList<DeliveryStatus>> ListAsync(IsoWeek week, CancellationToken cancellationToken = default)
    {
        var key = week.ToString();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ReportDeliveries.AsNoTracking().Where(r => r.Week == key).ToListAsync(cancellationToken);
        var statuses = rows
            .Select(r => new DeliveryStatus(r.Id, r.Week, r.Channel, r.Recipient, r.State, r.Attempts, r.LastError, r.NextAttemptAt, r.SentAt, r.MessageId))
            .ToList();
        foreach (var target in Targets().Keys.Where(t => !rows.Any(r => r.Channel == t.Channel && r.Recipient == t.Recipient)))
        {
            statuses.Add(new DeliveryStatus(null, key, target.Channel, target.Recipient, DeliveryState.NotSent, 0, null, null, null, null));
        }

        return [.. statuses.OrderBy(s => s.Channel, StringComparer.Ordinal).ThenBy(s => s.Recipient, StringComparer.Ordinal)];
    }

    /// <summary>Per stored week, how many deliveries are in each state (for the report archive and GET /api/v1/reports).</summary>
    public async Task<IReadOnlyDictionary<IsoWeek, DeliverySummary>> SummarizeAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = await db.ReportDeliveries.AsNoTracking()
            .GroupBy(r => new { r.Week, r.State })
            .Select(g => new { g.Key.Week, g.Key.State, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return counts.GroupBy(c => IsoWeek.Parse(c.Week)).ToDictionary(
            g => g.Key,
            g => new DeliverySummary(
                g.Where(c => c.State == DeliveryState.Sent).Sum(c => c.Count),
                g.Where(c => c.State is DeliveryState.Pending or DeliveryState.Sending).Sum(c => c.Count),
                g.Where(c => c.State == DeliveryState.Failed).Sum(c => c.Count),
                g.Where(c => c.State == DeliveryState.GaveUp).Sum(c => c.Count)));
    }

    private async Task<IReadOnlyList<DeliveryStatus>> DeliverAsync(IsoWeek week, ClaimMode mode, RenderedReport? rendered, CancellationToken cancellationToken)
    {
        var targets = Targets();
        if (targets.Count == 0)
        {
            logger.LogInformation("Report {Week}: no recipients and no webhook configured (Reports:Recipients, Reports:Webhook); nothing sent", week);
            return [];
        }

        // Rendered before any row exists: a week that cannot be built leaves no row behind, and the job fails visibly.
        var report = rendered ?? await RenderAsync(week, cancellationToken);
        await EnsureRowsAsync(week, targets.Keys, cancellationToken);
        var key = week.ToString();
        List<ReportDeliveryRow> rows;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            rows = await db.ReportDeliveries.AsNoTracking().Where(r => r.Week == key).OrderBy(r => r.Id).ToListAsync(cancellationToken);
        }

        foreach (var row in rows)
        {
            await SendRowAsync(row, report, targets, mode, cancellationToken);
        }

        return await ListAsync(week, cancellationToken);
    }

    private async Task<RenderedReport> RenderAsync(IsoWeek week, CancellationToken cancellationToken)
    {
        if (await source.RenderAsync(week, cancellationToken) is { } rendered)
        {
            return rendered;
        }

        await source.BuildAsync(week, cancellationToken);
        return await source.RenderAsync(week, cancellationToken)
            ?? throw new InvalidOperationException($"The report of {week} could not be rendered after it was built.");
    }

    /// <summary>Adds a Pending row per target that has none; a row another process added first is kept (unique index).</summary>
    private async Task EnsureRowsAsync(IsoWeek week, IEnumerable<DeliveryTarget> targets, CancellationToken cancellationToken)
    {
        var key = week.ToString();
        foreach (var target in targets)
        {
            if (await RowExistsAsync(key, target, cancellationToken))
            {
                continue;
            }

            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.ReportDeliveries.Add(new ReportDeliveryRow
            {
                Week = key,
                Channel = target.Channel,
                Recipient = target.Recipient,
                State = DeliveryState.Pending,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another run inserted the same (week, channel, recipient) between our check and insert: keep its row.
                if (!await RowExistsAsync(key, target, cancellationToken))
                {
                    throw;
                }
            }
        }
    }

    private async Task<bool> RowExistsAsync(string week, DeliveryTarget target, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ReportDeliveries.AnyAsync(r => r.Week == week && r.Channel == target.Channel && r.Recipient == target.Recipient, cancellationToken);
    }

    private async Task SendRowAsync(
        ReportDeliveryRow row, RenderedReport report, IReadOnlyDictionary<DeliveryTarget, string> targets, ClaimMode mode, CancellationToken cancellationToken)
    {
        // A recipient removed from the configuration keeps its history but gets nothing more.
        if (!targets.TryGetValue(new DeliveryTarget(row.Channel, row.Recipient), out var address)
            || await ClaimAsync(row.Id, mode, cancellationToken) is not { } attempts)
        {
            return;
        }

        // From the claim on, the outcome is recorded whatever happens to the caller: a row left in Sending is the crash case.
        try
        {
            var receipt = row.Channel == DeliveryChannel.Email
                ? await smtp.SendAsync(report, address, CancellationToken.None)
                : await webhook.SendAsync(report, CancellationToken.None);
            await MarkSentAsync(row.Id, receipt);
            logger.LogInformation("Report {Week} sent by {Channel} to {Recipient} ({MessageId})", row.Week, row.Channel, row.Recipient, receipt.MessageId);
        }
        catch (Exception e)
        {
            var error = e is DeliveryFailedException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            await MarkFailedAsync(row.Id, attempts, error);
            logger.LogWarning(e, "Report {Week} to {Recipient} by {Channel} failed (attempt {Attempt} of {MaxAttempts}): {Error}",
                row.Week, row.Recipient, row.Channel, attempts, options.Value.MaxAttempts, error);
        }
    }

    /// <summary>Moves the row to Sending if it is still sendable; the row's attempt count when this call did (and so must send it), else null.</summary>
    private async Task<int?> ClaimAsync(long id, ClaimMode mode, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.ReportDeliveries.Where(r => r.Id == id);
        query = mode == ClaimMode.ByHand
            ? query.Where(r => r.State == DeliveryState.Pending || r.State == DeliveryState.Failed || r.State == DeliveryState.GaveUp)
            : query.Where(r => r.State == DeliveryState.Pending
                || (r.State == DeliveryState.Failed && r.NextAttemptAt != null && r.NextAttemptAt <= now));
        var changed = await query.ExecuteUpdateAsync(
            s => s.SetProperty(r => r.State, DeliveryState.Sending)
                .SetProperty(r => r.Attempts, r => r.Attempts + 1)
                .SetProperty(r => r.ClaimedAt, now),
            cancellationToken);
        return changed == 1
            ? await db.ReportDeliveries.Where(r => r.Id == id).Select(r => r.Attempts).SingleAsync(CancellationToken.None)
            : null;
    }

    private async Task MarkSentAsync(long id, SendReceipt receipt)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.ReportDeliveries.Where(r => r.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.State, DeliveryState.Sent)
            .SetProperty(r => r.SentAt, now)
            .SetProperty(r => r.MessageId, receipt.MessageId)
            .SetProperty(r => r.LastError, (string?)null)
            .SetProperty(r => r.NextAttemptAt, (DateTime?)null));
    }

    private async Task MarkFailedAsync(long id, int attempts, string error)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var gaveUp = attempts >= options.Value.MaxAttempts;
        DateTime? next = gaveUp ? null : now + options.Value.RetryDelay(attempts);
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.ReportDeliveries.Where(r => r.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.State, gaveUp ? DeliveryState.GaveUp : DeliveryState.Failed)
            .SetProperty(r => r.LastError, error)
            .SetProperty(r => r.NextAttemptAt, next));
    }

    private async Task ReleaseStaleClaimsAsync(DateTime now, CancellationToken cancellationToken)
    {
        var before = now - StaleClaimAfter;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stale = await db.ReportDeliveries.Where(r => r.State == DeliveryState.Sending && r.ClaimedAt != null && r.ClaimedAt < before)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.State, DeliveryState.Failed)
                .SetProperty(r => r.NextAttemptAt, (DateTime?)null)
                .SetProperty(r => r.LastError,
                    "BatchInsights stopped while sending; the message may have gone out, so it is not retried automatically — check the mailbox (or channel), then press Retry if it is missing"),
                cancellationToken);
        if (stale > 0)
        {
            logger.LogWarning("{Count} report deliveries were left in Sending by a stopped process; marked Failed for a person to check", stale);
        }
    }

    /// <summary>The configured targets: ledger key → the address to send to (e-mail as configured, display name included).</summary>
    private Dictionary<DeliveryTarget, string> Targets()
    {
        var targets = new Dictionary<DeliveryTarget, string>();
        foreach (var recipient in options.Value.EffectiveRecipients)
        {
            // Validated at start; one mailbox per entry. Lower case so "Bob@x" and "bob@x" share one row.
            var address = MailboxAddress.Parse(recipient).Address.ToLowerInvariant();
            targets.TryAdd(new DeliveryTarget(DeliveryChannel.Email, address), recipient);
        }

        if (options.Value.Webhook is { Url: not null } hook)
        {
            targets.TryAdd(new DeliveryTarget(DeliveryChannel.Webhook, WebhookReportSender.RecipientOf(hook)), hook.Url);
        }

        return targets;
    }

    private readonly record struct DeliveryTarget(string Channel, string Recipient);
}
