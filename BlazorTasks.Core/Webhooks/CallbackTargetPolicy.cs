using System.Net;
using System.Net.Sockets;

namespace BlazorTasks.Core.Webhooks;

/// <summary>
/// Which callback targets are refused (SSRF guard): loopback, private (10/8, 172.16/12, 192.168/16,
/// fc00::/7), link-local (169.254/16, fe80::/10, including the cloud metadata addresses 169.254.169.254
/// and fd00:ec2::254), unspecified, multicast and broadcast. Checked on the literal host when a task is
/// created and on every resolved address when a callback is delivered.
/// </summary>
public static class CallbackTargetPolicy
{
    /// <summary>Why <paramref name="address"/> is refused, or null when it is a public address.</summary>
    public static string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b switch
            {
                [0, ..] => "an unspecified address",
                [127, ..] => "a loopback address",
                [10, ..] => "a private address",
                [172, >= 16 and <= 31, ..] => "a private address",
                [192, 168, ..] => "a private address",
                [169, 254, 169, 254] => "a cloud metadata address",
                [169, 254, ..] => "a link-local address",
                [100, >= 64 and <= 127, ..] => "a shared (carrier-grade NAT) address",
                [>= 224 and <= 239, ..] => "a multicast address",
                [>= 240, ..] => "a reserved or broadcast address",
                _ => null,
            };
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
            {
                return "an unspecified address";
            }

            if (address.Equals(IPAddress.IPv6Loopback))
            {
                return "a loopback address";
            }

            var b = address.GetAddressBytes();
            if (address.Equals(MetadataV6))
            {
                return "a cloud metadata address";
            }

            return b switch
            {
                [>= 0xfc and <= 0xfd, ..] => "a private (unique local) address",
                [0xfe, >= 0x80 and <= 0xbf, ..] => "a link-local address",
                [0xff, ..] => "a multicast address",
                _ => null,
            };
        }

        return "an address of an unsupported family";
    }

    public static bool IsRefused(IPAddress address) => Refusal(address) is not null;

    /// <summary>
    /// The create-time check: a literal IP or <c>localhost</c> host that is refused gives the reason;
    /// host names are checked again, on their resolved addresses, at delivery.
    /// </summary>
    public static string? CheckUrl(Uri url, bool allowPrivateTargets)
    {
        if (allowPrivateTargets)
        {
            return null;
        }

        var host = url.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return "'callbackUrl' points to localhost, a loopback address; callbacks to loopback, private or link-local targets are refused.";
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var address) && Refusal(address) is { } reason)
        {
            return $"'callbackUrl' points to {reason} ({address}); callbacks to loopback, private or link-local targets are refused.";
        }

        return null;
    }

    private static readonly IPAddress MetadataV6 = IPAddress.Parse("fd00:ec2::254");
}

/// <summary>Resolves callback host names; replaceable so tests can control DNS.</summary>
public class CallbackHostResolver
{
    public virtual Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>Thrown when a callback target resolves only to refused addresses.</summary>
public sealed class CallbackTargetRefusedException(string message) : Exception(message);
