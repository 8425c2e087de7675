namespace Argy.ControlPlane.Problems;

/// <summary>An error the caller can act on, answered as RFC 9457 problem details with the given status.</summary>
public class ApiProblemException(int status, string title, string detail, IDictionary<string, string[]>? errors = null)
    : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public IDictionary<string, string[]>? Errors { get; } = errors;

    public static ApiProblemException NotFound(string what, string id) =>
        new(StatusCodes.Status404NotFound, "Not found", $"No {what} with id '{id}' exists in your tenant.");

    public static ApiProblemException Conflict(string detail) => new(StatusCodes.Status409Conflict, "Conflict", detail);

    public static ApiProblemException Validation(IDictionary<string, string[]> errors) =>
        new(StatusCodes.Status400BadRequest, "Invalid request", "One or more fields are invalid: " + string.Join("; ", errors.SelectMany(e => e.Value)), errors);
}
