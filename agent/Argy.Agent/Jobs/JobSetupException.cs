namespace Argy.Agent.Jobs;

/// <summary>The job cannot be started as given; the message goes into the run's log.</summary>
internal sealed class JobSetupException(string message, Exception? innerException = null) : Exception(message, innerException);
