using Argy.Agent.Configuration;
using Argy.Agent.State;
using Argy.Protocol.Signing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Argy.Agent.Connection;

/// <summary>The credential in use and, in hmac mode, the key it signs with.</summary>
internal sealed record CurrentCredential(AgentState State, SigningKey? Key)
{
    public static CurrentCredential From(AgentState state) =>
        new(state, state.AuthMode == AuthModes.Hmac
            ? new SigningKey(state.KeyId ?? throw new AgentStateException("the state file is in hmac mode but has no keyId; enroll again"), state.Credential)
            : null);
}

/// <summary>
/// The agent's credential as the state file holds it now. `argy-agent rotate` replaces the file while the
/// agent runs; the session calls <see cref="RefreshAsync"/> before connecting and on every heartbeat, so the
/// new credential is in use well within the rotation's grace period, without a restart.
/// </summary>
internal sealed partial class AgentCredentialSource
{
    private readonly AgentStateStore _store;
    private readonly ILogger<AgentCredentialSource> _logger;
    private CurrentCredential _current;
    private DateTime? _seenWrite;

    public AgentCredentialSource(AgentState initial, IOptions<AgentOptions> options, ILogger<AgentCredentialSource> logger)
    {
        _store = new AgentStateStore(options.Value.StateDirectory);
        _logger = logger;
        _current = CurrentCredential.From(initial);
        _seenWrite = _store.LastWriteTimeUtc();
    }

    public CurrentCredential Current => Volatile.Read(ref _current);

    /// <summary>Takes the state file's credential if the file changed and still describes this agent.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var written = _store.LastWriteTimeUtc();
        if (written is null || written == _seenWrite)
        {
            return;
        }

        try
        {
            var state = await _store.LoadAsync(cancellationToken);
            var current = Current.State;
            if (state is null)
            {
                return;
            }

            if (state.AgentId != current.AgentId || state.TenantId != current.TenantId)
            {
                LogOtherIdentity(state.AgentId);
            }
            else if (state.Credential != current.Credential)
            {
                Volatile.Write(ref _current, CurrentCredential.From(state));
                LogSwitched(state.AuthMode, state.KeyId ?? "-");
            }

            _seenWrite = written;
        }
        catch (AgentStateException e)
        {
            // Possibly caught mid-replacement; the next refresh tries again.
            LogUnreadable(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Switched to the credential in the state file ({Mode}, key {KeyId})")]
    private partial void LogSwitched(string mode, string keyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The state file now names agent {AgentId}, not this one; restart the agent to use it")]
    private partial void LogOtherIdentity(string agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-read the state file: {Reason}")]
    private partial void LogUnreadable(string reason);
}
