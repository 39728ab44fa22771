using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;

namespace BatchInsights.Core.Reports.Delivery;

/// <summary>Sends one report to one recipient over SMTP (MailKit): text + HTML alternatives plus the attachments.</summary>
public sealed class SmtpReportSender(IOptions<ReportOptions> options, TimeProvider clock)
{
    // A mail server that accepts the connection but never answers must not hold a claimed row for long.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    internal MimeMessage BuildMessage(RenderedReport report, string recipient)
    {
        var smtp = options.Value.Smtp;
        var from = MailboxAddress.Parse(smtp.From ?? throw new DeliveryFailedException($"{ReportOptions.Section}:Smtp:From is not set."));
        var message = new MimeMessage
        {
            Subject = report.Subject,
            Date = clock.GetUtcNow(),
            MessageId = MimeUtils.GenerateMessageId(from.Domain),
        };
        message.From.Add(from);
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Headers.Add("X-BatchInsights-Week", report.Week.ToString());
        var body = new BodyBuilder { TextBody = report.TextSummary, HtmlBody = report.Html };
        foreach (var attachment in report.Attachments)
        {
            body.Attachments.Add(attachment.FileName, attachment.Content, ContentType.Parse(attachment.ContentType));
        }

        // BodyBuilder makes multipart/mixed { multipart/alternative { text, html }, attachments… }.
        message.Body = body.ToMessageBody();
        return message;
    }

    internal async Task<SendReceipt> SendAsync(RenderedReport report, string recipient, CancellationToken cancellationToken)
    {
        var smtp = options.Value.Smtp;
        var message = BuildMessage(report, recipient);
        using var client = new SmtpClient { Timeout = (int)Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(smtp.Host ?? "", smtp.Port, ToMailKit(smtp.Security, smtp.Port), cancellationToken);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return new SendReceipt(message.MessageId ?? "");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryFailedException(Describe(e, smtp, recipient), e);
        }
    }

    private static SecureSocketOptions ToMailKit(SmtpSecurity security, int port) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable,
    };

    /// <summary>One line a person can act on: what happened and which key to check.</summary>
    internal static string Describe(Exception e, SmtpSettings smtp, string recipient)
    {
        var server = $"SMTP server {smtp.Host}:{smtp.Port}";
        var socket = e as SocketException ?? e.InnerException as SocketException;
        return (e, socket?.SocketErrorCode) switch
        {
            (_, SocketError.ConnectionRefused) => $"{server} refused connection — check Reports:Smtp:Host/Port",
            (_, SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain) => $"SMTP server host '{smtp.Host}' was not found — check Reports:Smtp:Host",
            (_, SocketError.TimedOut) or (TimeoutException or OperationCanceledException, _) =>
                $"{server} did not answer within {Timeout.TotalSeconds:0} s — check Reports:Smtp:Host/Port and the firewall",
            (_, SocketError.NetworkUnreachable or SocketError.HostUnreachable) => $"{server} is unreachable from this machine ({socket!.Message}) — check Reports:Smtp:Host and the network",
            (AuthenticationException, _) => $"{server} rejected the login of '{smtp.UserName}' ({e.Message}) — check Reports:Smtp:UserName/Password",
            (SslHandshakeException, _) => $"TLS with {server} failed — check Reports:Smtp:Security (SslOnConnect for port 465, StartTls for 587, None for a plain relay)",
            (NotSupportedException, _) when smtp.Security == SmtpSecurity.StartTls => $"{server} does not offer STARTTLS — check Reports:Smtp:Security",
            (SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } c, _) => $"{server} refused the recipient {recipient}: {(int)c.StatusCode} {c.Message} — check Reports:Recipients",
            (SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } c, _) => $"{server} refused the sender {smtp.From}: {(int)c.StatusCode} {c.Message} — check Reports:Smtp:From",
            (SmtpCommandException { ErrorCode: SmtpErrorCode.MessageNotAccepted } c, _) => $"{server} refused the message: {(int)c.StatusCode} {c.Message}",
            (SmtpCommandException c, _) => $"{server} answered {(int)c.StatusCode} {c.Message}",
            (SmtpProtocolException or ServiceNotConnectedException or IOException, _) => $"{server} closed the connection or broke the protocol ({e.Message}) — check Reports:Smtp:Port and Security",
            _ => $"Sending to {recipient} through {server} failed: {e.GetType().Name}: {e.Message}",
        };
    }
}
