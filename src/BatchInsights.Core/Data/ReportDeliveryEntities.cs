namespace BatchInsights.Core.Data;

/// <summary>
/// The delivery ledger: one row per (week, channel, recipient). A row is claimed (moved to Sending) by one
/// conditional UPDATE before its message goes out, so a second run or a second instance never sends it again.
/// </summary>
public sealed class ReportDeliveryRow
{
    public long Id { get; set; }

    /// <summary>ISO week, "2026-W47".</summary>
    public required string Week { get; set; }

    /// <summary>email | webhook (<see cref="Reports.Delivery.DeliveryChannel"/>).</summary>
    public required string Channel { get; set; }

    /// <summary>The e-mail address (lower case); for a webhook its kind and host (the URL itself is a secret).</summary>
    public required string Recipient { get; set; }

    public Reports.Delivery.DeliveryState State { get; set; }

    /// <summary>Sends tried so far (claims), successful or not.</summary>
    public int Attempts { get; set; }

    /// <summary>Human-readable reason of the last failure, naming the key to check.</summary>
    public string? LastError { get; set; }

    /// <summary>When the retry job may try a Failed row again; null: not automatically.</summary>
    public DateTime? NextAttemptAt { get; set; }

    /// <summary>When the row was last moved to Sending (a Sending row long past this is a crash mid-send).</summary>
    public DateTime? ClaimedAt { get; set; }

    public DateTime? SentAt { get; set; }

    /// <summary>The e-mail's Message-ID header, or the webhook's HTTP status.</summary>
    public string? MessageId { get; set; }

    public DateTime CreatedAt { get; set; }
}
