namespace BatchInsights.Core.Reports.Delivery;

/// <summary>Where a delivery row stands. Stored by name.</summary>
public enum DeliveryState
{
    /// <summary>Configured but no send was started for this week (never stored).</summary>
    NotSent,

    /// <summary>Row created, first send not claimed yet.</summary>
    Pending,

    /// <summary>Claimed by one process that is sending it now.</summary>
    Sending,

    Sent,

    /// <summary>The last send failed; retried at NextAttemptAt (null: only by hand).</summary>
    Failed,

    /// <summary>MaxAttempts sends failed; kept and shown, retried only by hand.</summary>
    GaveUp,
}

public static class DeliveryChannel
{
    public const string Email = "email";
    public const string Webhook = "webhook";
}

/// <summary>One recipient's delivery of one week, for the panel and GET /api/v1/reports/{week}/deliveries.</summary>
public sealed record DeliveryStatus(
    long? Id,
    string Week,
    string Channel,
    string Recipient,
    DeliveryState State,
    int Attempts,
    string? LastError,
    DateTime? NextAttemptAt,
    DateTime? SentAt,
    string? MessageId)
{
    /// <summary>A by-hand Send now / Retry would send this row.</summary>
    public bool CanSend => State is DeliveryState.NotSent or DeliveryState.Pending or DeliveryState.Failed or DeliveryState.GaveUp;
}

/// <summary>A week's deliveries by state; <see cref="Failed"/> ones are still being retried.</summary>
public sealed record DeliverySummary(int Sent, int InProgress, int Failed, int GaveUp);

/// <summary>What a send reported: the e-mail's Message-ID or the webhook's HTTP status.</summary>
internal sealed record SendReceipt(string MessageId);

/// <summary>A send failed; <see cref="Exception.Message"/> is meant for the person reading the Reports page and names the key to check.</summary>
public sealed class DeliveryFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the scheduled send did: <see cref="HeldBack"/> says why nothing was sent yet (costs still provisional), else null.</summary>
public sealed record ScheduledDelivery(string? HeldBack, IReadOnlyList<DeliveryStatus> Statuses);
