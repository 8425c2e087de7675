using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Delivery;

/// <summary>
/// Drives every enabled sink over its tenant's audit trail, each sink on its own task. A sink that is due
/// reads the records after its cursor in seq order, passes over those its filter does not match, and hands
/// the others to the receiver one at a time. The cursor moves past an event only after the receiver accepted
/// it; a failure leaves it before that event and schedules a retry with exponential backoff and jitter, so the
/// head event is retried first and order is kept. Nothing is ever skipped: a receiver that refuses (4xx) is
/// retried like one that is down, with a warning, until an admin fixes or removes the sink.
/// A record appended in this process wakes the loop at once; records written by another process are found by
/// polling every <see cref="DeliveryOptions.PollInterval"/>.
/// </summary>
public sealed partial class DeliveryWorker(
    Database database,
    DeliverySinkStore store,
    WebhookClient webhooks,
    EmailNotifier email,
    DeliverySignal signal,
    AuditTrail audit,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        audit.Appended += OnAppended;
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            audit.Appended -= OnAppended;
        }
    }

    private void OnAppended(AuditRecord record)
    {
        if (record.TenantId is not null)
        {
            signal.Wake();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        // Each sink runs on its own, so a slow receiver never holds up the others.
        var running = new Dictionary<string, Task<bool>>(StringComparer.Ordinal);
        // Sinks that found nothing more to do: not started again until a wake, a poll or their retry time.
        var idle = new HashSet<string>(StringComparer.Ordinal);
        // Sinks that were running when a wake came: they may have read before the new record, so they run again.
        var wokenWhileRunning = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = settings.PollInterval;
                try
                {
                    var now = UnixMs.From(time.GetUtcNow());
                    foreach (var sink in store.Due(now))
                    {
                        if (!running.ContainsKey(sink.Id) && !idle.Contains(sink.Id))
                        {
                            running[sink.Id] = Task.Run(() => RunSinkAsync(sink, settings, stoppingToken), stoppingToken);
                        }
                    }

                    if (store.NextRetryAt(now) is { } next && TimeSpan.FromMilliseconds(next - now) < wait)
                    {
                        wait = TimeSpan.FromMilliseconds(next - now);
                    }
                }
                catch (Microsoft.Data.Sqlite.SqliteException e)
                {
                    LogRoundFailed(logger, e);
                }

                var (woken, elapsed) = await WaitAsync(wait, running.Values, stoppingToken);
                foreach (var (id, task) in running.Where(r => r.Value.IsCompleted).ToList())
                {
                    running.Remove(id);
                    var more = false;
                    if (task.IsFaulted)
                    {
                        LogRoundFailed(logger, task.Exception.GetBaseException());
                    }
                    else if (task.IsCompletedSuccessfully)
                    {
                        more = task.Result;
                    }

                    if (!more && !wokenWhileRunning.Contains(id))
                    {
                        idle.Add(id);
                    }

                    wokenWhileRunning.Remove(id);
                }

                if (woken)
                {
                    Barrier();
                    wokenWhileRunning.UnionWith(running.Keys);
                }

                if (woken || elapsed)
                {
                    idle.Clear();
                }
            }
        }
        finally
        {
            try
            {
                await Task.WhenAll(running.Values);
            }
            catch (Exception e) when (e is OperationCanceledException || stoppingToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>Waits for a wake, for a running sink to finish, or for <paramref name="timeout"/>; says whether it was woken and whether the time is up.</summary>
    private async Task<(bool Woken, bool Elapsed)> WaitAsync(TimeSpan timeout, IEnumerable<Task> running, CancellationToken stoppingToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var wake = signal.WaitAsync(either.Token);
        var delay = Task.Delay(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, time, either.Token);
        await Task.WhenAny([wake, delay, .. running]);
        await either.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
        var woken = false;
        try
        {
            await wake;
            woken = true;
        }
        catch (OperationCanceledException)
        {
        }

        return (woken, delay.IsCompletedSuccessfully);
    }

    /// <summary>
    /// A wake comes from inside the appending write transaction, before it commits. Taking the write lock once
    /// waits for that transaction to end, so the round that follows sees the record.
    /// </summary>
    private void Barrier()
    {
        try
        {
            using var connection = database.Open();
            using var transaction = Database.BeginWrite(connection);
            transaction.Commit();
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            // Busy for longer than the timeout: the next poll picks the record up.
        }
    }

    /// <summary>Delivers what is pending for one sink, up to one batch; true when a full batch went through and more may wait.</summary>
    private async Task<bool> RunSinkAsync(DeliverySinkRow sink, DeliveryOptions settings, CancellationToken stoppingToken)
    {
        var scope = TenantScope.Of(sink.TenantId);
        var filter = new EventFilter(sink.EventList);
        var records = store.ReadAfter(scope, sink.CursorSeq, settings.BatchSize);
        var skippedTo = 0L;
        var failures = sink.Attempts;
        foreach (var record in records)
        {
            if (!filter.Matches(record.Action))
            {
                skippedTo = record.Seq;
                continue;
            }

            if (skippedTo > 0)
            {
                store.Skipped(scope, sink.Id, skippedTo);
                skippedTo = 0;
            }

            var eventId = DeliveryEvent.IdOf(record);
            var attempt = sink.Kind == SinkKind.Email
                ? await email.SendAsync(sink, record, eventId, stoppingToken)
                : await webhooks.SendAsync(sink, record, eventId, stoppingToken);
            if (attempt.Delivered)
            {
                store.Delivered(scope, sink.Id, record.Seq);
                failures = 0;
                continue;
            }

            var attempts = failures + 1;
            var delay = Backoff(attempts, settings);
            store.Failed(scope, sink.Id, attempts, UnixMs.From(time.GetUtcNow() + delay), attempt.Error ?? "Delivery failed.");
            if (attempt.Refused)
            {
                LogRefused(logger, sink.Id, sink.TenantId, eventId, attempt.Status ?? 0, attempts, delay);
            }
            else
            {
                LogRetrying(logger, sink.Id, sink.TenantId, eventId, attempts, delay, attempt.Error ?? "");
            }

            return false;
        }

        if (skippedTo > 0)
        {
            store.Skipped(scope, sink.Id, skippedTo);
        }

        return records.Count == settings.BatchSize;
    }

    /// <summary>Initial backoff doubled per failed attempt up to the maximum, then "equal jitter": half fixed, half random.</summary>
    public static TimeSpan Backoff(int attempts, DeliveryOptions settings)
    {
        var exponent = Math.Min(attempts - 1, 30);
        var full = Math.Min(settings.MaxBackoff.TotalMilliseconds, settings.InitialBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds((full / 2) + (Random.Shared.NextDouble() * full / 2));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {SinkId} of tenant {TenantId}: {EventId} not delivered (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string sinkId, string tenantId, string eventId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {SinkId} of tenant {TenantId}: the receiver refuses {EventId} with {Status} (attempt {Attempt}); retrying in {Delay} until the receiver or the sink is fixed")]
    private static partial void LogRefused(ILogger logger, string sinkId, string tenantId, string eventId, int status, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery failed unexpectedly; retrying at the next poll")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
