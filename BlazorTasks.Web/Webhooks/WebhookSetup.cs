using BlazorTasks.Core.Webhooks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace BlazorTasks.Web.Webhooks;

public static class WebhookSetup
{
    /// <summary>
    /// The simulator's "complete via webhook" posts to this server's own address: the configured
    /// <c>Webhooks:SelfBaseUrl</c>, else the first address Kestrel listens on (wildcards become loopback).
    /// </summary>
    public static IServiceCollection AddSelfWebhookClient(this IServiceCollection services)
    {
        services.AddHttpClient(SelfWebhookClient.HttpClientName, (provider, client) =>
        {
            client.BaseAddress = SelfBaseAddress(provider);
            client.Timeout = TimeSpan.FromSeconds(30);
        });
        return services;
    }

    private static Uri SelfBaseAddress(IServiceProvider provider)
    {
        var configured = provider.GetRequiredService<IConfiguration>()["Webhooks:SelfBaseUrl"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new Uri(configured);
        }

        var addresses = provider.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault()
            ?? "http://localhost";
        var uri = new UriBuilder(address.Replace("://+", "://localhost").Replace("://*", "://localhost").Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://[::1]"));
        return uri.Uri;
    }
}
