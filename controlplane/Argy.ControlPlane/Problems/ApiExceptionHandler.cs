using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Argy.ControlPlane.Problems;

/// <summary>Turns exceptions into problem details: caller errors with their status, anything else as a bare 500.</summary>
public sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var context = httpContext;
        switch (exception)
        {
            case ApiProblemException problem:
                await ProblemWriter.WriteAsync(context, problem.Status, problem.Title, problem.Message, problem.Errors);
                return true;
            case BadHttpRequestException bad:
                // Malformed JSON, wrong field types and unknown fields arrive here from request binding.
                var detail = bad.InnerException is JsonException json ? DescribeJsonError(json)
                    : bad.Message.Contains("no body was provided", StringComparison.Ordinal) ? "A JSON request body is required."
                    : bad.Message;
                await ProblemWriter.WriteAsync(context, bad.StatusCode, "Invalid request", detail);
                return true;
            case Audit.AuditUnavailableException:
                // The change and its record are one transaction: without the record, nothing was changed.
                LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
                await ProblemWriter.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Audit trail unavailable",
                    "Nothing was changed: the change's audit record could not be written. Try again later; the failure is logged with its trace id.");
                return true;
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return true;
            default:
                LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
                await ProblemWriter.WriteAsync(context, StatusCodes.Status500InternalServerError, "Internal error",
                    "The control plane failed to handle this request; the failure is logged with its trace id.");
                return true;
        }
    }

    private static string DescribeJsonError(JsonException json)
    {
        // The serializer's message names the field path and the problem, without echoing values back.
        var message = json.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        message = cut > 0 ? message[..cut] : message;
        message = InternalTypeName().Replace(message, "the request").TrimEnd(' ', '|');
        return "The request body is not valid: " + message;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(type )?'?Argy\.[A-Za-z0-9_.`\[\]]+'?")]
    private static partial System.Text.RegularExpressions.Regex InternalTypeName();

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
