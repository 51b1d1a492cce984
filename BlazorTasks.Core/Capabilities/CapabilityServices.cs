using System.Net;
using System.Net.Sockets;
using BlazorTasks.Core.Handlers;
using BlazorTasks.Core.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BlazorTasks.Core.Capabilities;

public static class CapabilityServices
{
    /// <summary>
    /// Outbound callbacks (dispatcher and its guarded HTTP client), retention clean-up, and the report
    /// and export task types. Options must be bound by the host.
    /// </summary>
    public static IServiceCollection AddTaskCapabilities(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>();
        services.TryAddSingleton<CallbackHostResolver>();
        services.AddHttpClient(CallbackDispatcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => CreateCallbackHandler(
                provider.GetRequiredService<CallbackHostResolver>(),
                provider.GetRequiredService<IOptions<WebhookOptions>>()))
            .ConfigureHttpClient(client =>
            {
                client.Timeout = Timeout.InfiniteTimeSpan; // the dispatcher bounds each attempt itself
                client.DefaultRequestHeaders.UserAgent.ParseAdd("BlazorTasks-Callbacks/1.0");
            });
        services.AddSingleton<IdempotencyInFlight>();
        services.AddSingleton<CallbackDeliveries>();
        services.AddSingleton<CallbackDispatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<CallbackDispatcher>());
        services.AddSingleton<RetentionCleaner>();
        services.AddHostedService(provider => provider.GetRequiredService<RetentionCleaner>());

        services.AddTaskHandler<ReportTaskHandler>();
        services.AddTaskHandler<ExportTaskHandler>();
        return services;
    }

    /// <summary>
    /// No redirects, no proxy, and a connect step that resolves the host itself and refuses loopback,
    /// private, link-local and metadata addresses (unless allowed), so DNS cannot point a callback inside.
    /// </summary>
    internal static SocketsHttpHandler CreateCallbackHandler(CallbackHostResolver resolver, IOptions<WebhookOptions> options) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host.Trim('[', ']');
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await resolver.ResolveAsync(host, cancellationToken);
            if (!options.Value.AllowPrivateCallbackTargets)
            {
                var refused = addresses.Where(CallbackTargetPolicy.IsRefused).ToList();
                addresses = addresses.Except(refused).ToArray();
                if (addresses.Length == 0)
                {
                    var reason = refused.Count > 0 ? CallbackTargetPolicy.Refusal(refused[0]) : "no address";
                    throw new CallbackTargetRefusedException(
                        $"Refused: '{context.DnsEndPoint.Host}' resolves to {reason}{(refused.Count > 0 ? $" ({refused[0]})" : "")}; callbacks to loopback, private or link-local targets are not allowed.");
                }
            }

            Exception? last = null;
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch (SocketException exception)
                {
                    socket.Dispose();
                    last = exception;
                }
            }

            throw last ?? new SocketException((int)SocketError.HostNotFound);
        },
    };
}
