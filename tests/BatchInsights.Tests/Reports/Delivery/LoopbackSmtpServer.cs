using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace BatchInsights.Tests.Reports.Delivery;

/// <summary>A real SMTP server (the SmtpServer library) on a loopback port; keeps every received message, parsed by MimeKit.</summary>
public sealed class LoopbackSmtpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedMail> _received = new();
    private Task _running = Task.CompletedTask;

    private LoopbackSmtpServer(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public IReadOnlyList<ReceivedMail> Received => [.. _received];

    /// <summary>Starts listening on <paramref name="port"/> (0: a free one) and returns once the port accepts connections.</summary>
    public static async Task<LoopbackSmtpServer> StartAsync(int port = 0)
    {
        var server = new LoopbackSmtpServer(port == 0 ? FreePort() : port);
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, server.Port)))
            .Build();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, _) => listening.TrySetResult();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listeners);
        services.Add(new Store(server._received));
        server._running = new SmtpServer.SmtpServer(options, services).StartAsync(server._stop.Token);
        await Task.WhenAny(listening.Task, server._running);
        await (server._running.IsFaulted ? server._running : listening.Task);
        return server;
    }

    /// <summary>A loopback port nobody listens on (until a server is started on it).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }

        _stop.Dispose();
    }

    /// <summary>One message as the server got it: the SMTP envelope and the parsed MIME message.</summary>
    public sealed record ReceivedMail(string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, MimeMessage Message);

    private sealed class Store(ConcurrentQueue<ReceivedMail> received) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            received.Enqueue(new ReceivedMail(transaction.From.AsAddress(), [.. transaction.To.Select(t => t.AsAddress())], message));
            return SmtpResponse.Ok;
        }
    }
}
