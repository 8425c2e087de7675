using System.Globalization;
using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.Protocol.Signing;

namespace Argy.ControlPlane.Gateway;

/// <summary>
/// The authentication state of one open stream. In hmac mode it verifies every message: signature by a valid
/// key of the agent, timestamp within the skew, and the nonce "&lt;stream nonce&gt;.&lt;n&gt;" with n exactly one
/// more than the last message's, which rules out replay, reordering and injection without any memory.
/// It also tracks the credential the stream is bound to, so that the stream is told to re-authenticate when
/// that credential's rotation grace period ends.
/// </summary>
public sealed class StreamAuthentication
{
    private readonly AgentCredentials _credentials;
    private readonly SignatureVerifier _verifier;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ValidSigningKey> _keys = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly string _mode;
    private readonly string? _nonce;
    private AgentRow? _agent;
    private long _lastSequence;
    private string _boundKeyId;
    private long? _boundKeyExpiresAt;
    private Action? _reauthenticate;
    private CancellationToken _closed;

    public StreamAuthentication(AgentIdentity identity, AgentCredentials credentials, SignatureVerifier verifier, TimeProvider time)
    {
        AgentId = identity.Agent.Id;
        TenantId = identity.Agent.TenantId;
        _mode = identity.Mode;
        _nonce = identity.Nonce;
        _agent = identity.Agent;
        _credentials = credentials;
        _verifier = verifier;
        _time = time;
        _boundKeyId = identity.KeyId;
        _boundKeyExpiresAt = identity.KeyExpiresAt;
        if (identity.Key is { } key)
        {
            _keys[key.KeyId] = new ValidSigningKey(key, identity.KeyExpiresAt);
        }
    }

    public string AgentId { get; }

    public string TenantId { get; }

    public TenantScope Scope => TenantScope.Of(TenantId);

    public bool SignsMessages => _mode == AgentAuthModes.Hmac;

    /// <summary>
    /// The agent's row as read when the stream authenticated, handed over once to open the session: only the
    /// ids above stay with the stream for its lifetime.
    /// </summary>
    public AgentRow TakeAgent()
    {
        var agent = _agent ?? throw new InvalidOperationException("The agent's row was already taken.");
        _agent = null;
        return agent;
    }

    /// <summary>The key id the stream currently authenticates with.</summary>
    public string BoundKeyId
    {
        get
        {
            lock (_lock)
            {
                return _boundKeyId;
            }
        }
    }

    /// <summary>
    /// Once the session exists: what to do when the bound credential expires, and the token that ends the
    /// session (which stops the wait). Schedules the end right away if the credential is already expiring.
    /// </summary>
    public void Attach(Action reauthenticate, CancellationToken closed)
    {
        long? expiresAt;
        lock (_lock)
        {
            _reauthenticate = reauthenticate;
            _closed = closed;
            expiresAt = _boundKeyExpiresAt;
        }

        if (expiresAt is { } at)
        {
            _ = ReauthenticateAtAsync(at);
        }
    }

    /// <summary>A rotation made these keys expire at <paramref name="expiresAt"/> (Unix ms).</summary>
    public void KeysExpire(IReadOnlyCollection<string> keyIds, long expiresAt)
    {
        var schedule = false;
        lock (_lock)
        {
            foreach (var keyId in keyIds)
            {
                if (_keys.TryGetValue(keyId, out var key))
                {
                    _keys[keyId] = key with { ExpiresAt = Math.Min(key.ExpiresAt ?? long.MaxValue, expiresAt) };
                }
            }

            if (keyIds.Contains(_boundKeyId))
            {
                _boundKeyExpiresAt = Math.Min(_boundKeyExpiresAt ?? long.MaxValue, expiresAt);
                schedule = _reauthenticate is not null;
            }
        }

        if (schedule)
        {
            _ = ReauthenticateAtAsync(expiresAt);
        }
    }

    /// <summary>Checks one message; in apikey mode messages are not signed and always pass.</summary>
    public SignatureCheck Verify(ReceivedAgentMessage received)
    {
        if (!SignsMessages)
        {
            return SignatureCheck.Valid;
        }

        var signature = received.Message.Signature;
        if (signature is null || !received.HasBodyDigest || !CanonicalString.IsId(signature.KeyId))
        {
            return SignatureCheck.Malformed;
        }

        var key = KeyFor(signature.KeyId);
        var fields = new SignedFields
        {
            KeyId = signature.KeyId,
            Timestamp = signature.Timestamp,
            Nonce = signature.Nonce,
            TenantId = TenantId,
            Principal = AgentId,
            Target = SigningScheme.MessageTarget(received.Message.PayloadCase),
            BodySha256 = received.BodySha256,
        };
        var check = _verifier.VerifyWithoutNonce(fields, signature.Signature, key?.Key);
        if (check != SignatureCheck.Valid)
        {
            return check;
        }

        lock (_lock)
        {
            if (!IsNext(signature.Nonce, _lastSequence + 1))
            {
                return SignatureCheck.Replayed;
            }

            _lastSequence++;
            if (signature.KeyId != _boundKeyId)
            {
                // The agent switched to its new key (after a rotation): the stream now lives as long as that key.
                _boundKeyId = signature.KeyId;
                _boundKeyExpiresAt = key!.ExpiresAt;
            }
        }

        return SignatureCheck.Valid;
    }

    private bool IsNext(string nonce, long expected)
    {
        var streamNonce = _nonce!;
        return nonce.Length > streamNonce.Length + 1
               && nonce.StartsWith(streamNonce, StringComparison.Ordinal)
               && nonce[streamNonce.Length] == '.'
               && long.TryParse(nonce.AsSpan(streamNonce.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
               && sequence == expected;
    }

    private ValidSigningKey? KeyFor(string keyId)
    {
        var now = UnixMs.From(_time.GetUtcNow());
        ValidSigningKey? key;
        lock (_lock)
        {
            _keys.TryGetValue(keyId, out key);
        }

        if (key is null)
        {
            // A key this stream has not used yet, e.g. the one a rotation just issued.
            key = _credentials.FindSigningKey(Scope, AgentId, keyId);
            if (key is not null)
            {
                lock (_lock)
                {
                    _keys[keyId] = key;
                }
            }
        }

        return key is not null && (key.ExpiresAt is null || key.ExpiresAt > now) ? key : null;
    }

    private async Task ReauthenticateAtAsync(long expiresAtMs)
    {
        var delay = DateTimeOffset.FromUnixTimeMilliseconds(expiresAtMs) - _time.GetUtcNow();
        CancellationToken closed;
        lock (_lock)
        {
            closed = _closed;
        }

        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, closed);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Action? reauthenticate;
        lock (_lock)
        {
            var expired = _boundKeyExpiresAt is { } at && at <= UnixMs.From(_time.GetUtcNow());
            reauthenticate = expired ? _reauthenticate : null;
        }

        reauthenticate?.Invoke();
    }
}
