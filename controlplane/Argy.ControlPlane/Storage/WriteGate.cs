using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Argy.ControlPlane.Storage;

/// <summary>
/// Hands SQLite's single write lock from one writer of this process to the next. Left to SQLite, writers that
/// find the lock taken sleep in its busy handler (1 ms, 2 ms, 5 ms, …) and poll again, so under concurrent
/// submissions most request time is spent asleep while the lock is free. Here a writer first waits its turn on
/// a semaphore, which wakes exactly one waiter as soon as the previous write transaction has ended; SQLite's busy
/// timeout remains for writers in other processes (a second control plane, the offline CLI).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One gate per database file for the life of the process; its semaphore never needs disposing.")]
internal sealed class WriteGate
{
    // As long as SQLite's busy timeout (Database.Open): a writer that waits this long fails as it did before.
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    private static readonly ConcurrentDictionary<string, WriteGate> Gates = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _turn = new(1, 1);

    public static WriteGate For(string path) => Gates.GetOrAdd(path, static _ => new WriteGate());

    /// <summary>
    /// One physical connection's hold on the gate. A transaction can end without the code that began it seeing
    /// the end (a commit, a rollback on dispose or on close, an automatic rollback after an error), so the end is
    /// observed on the connection itself: SQLite calls back as each statement finishes, and once the connection is
    /// back in autocommit mode its transaction is over.
    /// </summary>
    internal sealed class Holder
    {
        private readonly WriteGate _gate;
        private readonly sqlite3 _handle;
        private int _holds;

        public Holder(WriteGate gate, sqlite3 handle)
        {
            _gate = gate;
            _handle = handle;
            raw.sqlite3_profile(handle, OnStatementFinished, this);
        }

        public void Acquire()
        {
            if (!_gate._turn.Wait(MaxWait))
            {
                throw new SqliteException("database is locked (waited for the write lock held in this process)", raw.SQLITE_BUSY);
            }

            Volatile.Write(ref _holds, 1);
        }

        public void Release()
        {
            if (Interlocked.Exchange(ref _holds, 0) == 1)
            {
                _gate._turn.Release();
            }
        }

        private static void OnStatementFinished(object state, string statement, long elapsedNs)
        {
            var holder = (Holder)state;
            if (Volatile.Read(ref holder._holds) == 1 && raw.sqlite3_get_autocommit(holder._handle) != 0)
            {
                holder.Release();
            }
        }
    }
}
