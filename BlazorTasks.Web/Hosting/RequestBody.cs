using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BlazorTasks.Web.Hosting;

/// <summary>
/// Reads a JSON request body by hand so every failure has a precise problem: 415 when it is not
/// JSON, 413 past the limit (checked while reading, not trusted from Content-Length), 400 when it does
/// not parse. The raw bytes are kept: the webhook signature is computed over them.
/// </summary>
public static class RequestBody
{
    public static bool IsJson(HttpRequest request) =>
        request.ContentType is { } contentType
        && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
        && (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    public static ProblemHttpResult UnsupportedMediaType() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "Unsupported media type",
            detail: "Send the body as JSON with 'Content-Type: application/json'.");

    public static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "Request body too large",
            detail: $"The body is larger than the limit of {limit} bytes.");

    public static ProblemHttpResult Malformed(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON", detail: detail);

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    public static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (read.Buffer.Length > limit)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return null;
            }

            if (read.IsCompleted)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>Parses JSON, returning the problem to send when it is not valid JSON.</summary>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> body, out ProblemHttpResult? problem)
    {
        problem = null;
        // Some clients (e.g. a StreamWriter with Encoding.UTF8) prefix a UTF-8 byte order mark, which JSON allows readers to ignore.
        if (body.Span.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (body.IsEmpty)
        {
            problem = Malformed("The request body is empty.");
            return null;
        }

        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException exception)
        {
            problem = Malformed($"The body is not valid JSON: {exception.Message}");
            return null;
        }
    }
}
