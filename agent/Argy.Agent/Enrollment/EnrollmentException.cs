namespace Argy.Agent.Enrollment;

/// <summary>Enrollment failed; the message is one line for the operator and never contains the token.</summary>
internal sealed class EnrollmentException(string message, bool refused, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The control plane answered 401 or 403: the token is wrong, used or expired.</summary>
    public bool Refused { get; } = refused;
}
