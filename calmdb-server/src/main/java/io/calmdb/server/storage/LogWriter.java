package io.calmdb.server.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies queued writes to RocksDB in the order they were submitted and completes each one once it is durable per
 * the fsync policy.
 *
 * <p>One named writer thread drains a bounded queue under every policy. It takes the first waiting write, adds
 * whatever else is already queued (up to {@link NodeStorage#GROUP_COMMIT_RECORDS_MAX} records and
 * {@link NodeStorage#GROUP_COMMIT_BYTES_MAX} bytes), writes the group as one RocksDB write batch, and then completes
 * every write in it. It never waits for more writes to arrive: a group is whatever queued up while the previous write
 * ran, which is what makes group commit cost nothing at low load (the classic group commit of database logs, as in
 * DeWitt et al., "Implementation techniques for main memory database systems", SIGMOD 1984).
 *
 * <p>Under {@code always} each group is written with {@code sync=true}. Under {@code everysec} and {@code no} it is
 * written without a sync, so it is in the operating system's page cache when it is acknowledged; under
 * {@code everysec} a second thread, the syncer, syncs the write-ahead log every {@link #WAL_SYNC_INTERVAL_MILLIS}
 * milliseconds when something was written since the previous sync. The syncer runs beside the writer, not on it, so
 * that writes keep flowing while a sync waits for the disk (RocksDB lets a sync of the log run concurrently with
 * writes to it).
 *
 * <p>Callers serialise {@link #submit} under one lock (the store's sequence lock), so the queue order is the order
 * positions were assigned, and RocksDB's write-ahead log receives writes in that order; after a crash, what survives
 * is therefore a prefix of that order.
 */
final class LogWriter {
    private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);

    /**
     * How long the {@code everysec} syncer waits between two syncs, in milliseconds. Redis's {@code everysec} uses one
     * second too; a power loss may cost the writes of about this long plus the duration of one sync.
     */
    static final long WAL_SYNC_INTERVAL_MILLIS = 1_000;

    /** One RocksDB mutation added to a group's write batch. */
    @FunctionalInterface
    interface BatchOperation {
        void addTo(WriteBatch batch) throws RocksDBException;
    }

    /**
     * A write waiting for durability. {@code result} is what {@code done} completes with (the log position for an
     * append); {@code forcesSync} makes its group sync under every policy (the checkpoint manifest needs that).
     */
    record PendingWrite(BatchOperation operation, long payloadBytes, boolean forcesSync, boolean isLogRecord,
            CompletableFuture<Long> done, long result) {
    }

    /** Tells the writer thread to finish: everything queued before it is still written. */
    private static final PendingWrite STOP = new PendingWrite(batch -> { }, 0, false, false, null, 0);

    private final RocksDB database;
    private final FsyncPolicy fsyncPolicy;
    private final WriteOptions syncedWrite;
    private final WriteOptions unsyncedWrite;
    private final ArrayBlockingQueue<PendingWrite> queue;
    private final Thread thread;
    private final Thread syncer;
    private final CountDownLatch syncerStopRequested = new CountDownLatch(1);

    private volatile StorageException failure;
    private volatile long committedGroups;
    private volatile long writtenRecords;
    // Both the writer (a synced group) and the syncer record syncs, so these are atomics, not plain increments.
    private final AtomicLong walSyncs = new AtomicLong();
    private final AtomicLong syncedRecords = new AtomicLong();
    private final AtomicLong lastWalSyncNanos = new AtomicLong();
    private volatile boolean synced;

    LogWriter(RocksDB database, FsyncPolicy fsyncPolicy, String replicaName) {
        this.database = database;
        this.fsyncPolicy = fsyncPolicy;
        this.syncedWrite = new WriteOptions().setSync(true);
        this.unsyncedWrite = new WriteOptions().setSync(false);
        this.queue = new ArrayBlockingQueue<>(NodeStorage.WRITE_QUEUE_RECORDS_MAX);
        this.thread = new Thread(this::drainUntilStopped, "calmdb-storage-writer-" + replicaName);
        // Daemons, so a node that forgets close() cannot hang JVM exit; whatever is queued then was never
        // acknowledged, so nothing acknowledged is lost.
        this.thread.setDaemon(true);
        if (fsyncPolicy == FsyncPolicy.EVERYSEC) {
            this.syncer = new Thread(this::syncEverySecondUntilStopped, "calmdb-storage-fsync-" + replicaName);
            this.syncer.setDaemon(true);
        } else {
            this.syncer = null;
        }
        this.thread.start();
        if (syncer != null) {
            syncer.start();
        }
    }

    /**
     * Queues one write. Must be called under the store's sequence lock. Blocks while the queue is full, ignoring
     * interrupts until the write is queued (an interrupt is re-asserted afterwards): giving up after a position was
     * assigned would leave a hole in the log.
     */
    void submit(PendingWrite write) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(write);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the calling thread is the writer thread, where completion callbacks run. */
    boolean isWriterThread() {
        return Thread.currentThread() == thread;
    }

    /** The first write or sync failure, after which every write fails; null while healthy. */
    StorageException failure() {
        return failure;
    }

    int pendingWrites() {
        return queue.size();
    }

    long committedGroups() {
        return committedGroups;
    }

    long writtenRecords() {
        return writtenRecords;
    }

    /** Syncs of the write-ahead log since open: synced groups and, under {@code everysec}, the syncer's syncs. */
    long walSyncs() {
        return walSyncs.get();
    }

    /**
     * Records acknowledged but not yet synced: what a power loss right now could cost. Always 0 under
     * {@code always}; read without a common lock, so it is an estimate while writes are flowing.
     */
    long unsyncedRecords() {
        return Math.max(0, writtenRecords - syncedRecords.get());
    }

    /** Milliseconds since the latest sync of the write-ahead log completed, or -1 if none has since open. */
    long lastWalSyncAgeMillis() {
        if (!synced) {
            return -1;
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastWalSyncNanos.get());
    }

    /**
     * Writes everything queued so far, then stops the writer and the syncer and waits for both. Must be called under
     * the sequence lock after the store stopped accepting writes, so nothing can be queued behind the stop marker.
     * The caller syncs the log afterwards.
     */
    void stop() {
        submit(STOP);
        joinUninterruptibly(thread);
        if (syncer != null) {
            syncerStopRequested.countDown();
            joinUninterruptibly(syncer);
        }
        syncedWrite.close();
        unsyncedWrite.close();
    }

    /** Counts a sync that covered the first {@code recordsCovered} records written. */
    private void recordSync(long recordsCovered) {
        walSyncs.incrementAndGet();
        syncedRecords.accumulateAndGet(recordsCovered, Math::max);
        lastWalSyncNanos.set(System.nanoTime());
        synced = true;
    }

    private static void joinUninterruptibly(Thread target) {
        boolean interrupted = false;
        while (target.isAlive()) {
            try {
                target.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void drainUntilStopped() {
        List<PendingWrite> group = new ArrayList<>(NodeStorage.GROUP_COMMIT_RECORDS_MAX);
        boolean stopping = false;
        while (!stopping) {
            PendingWrite first = takeUninterruptibly();
            if (first == STOP) {
                break;
            }
            group.add(first);
            long groupBytes = first.payloadBytes();
            while (group.size() < NodeStorage.GROUP_COMMIT_RECORDS_MAX
                    && groupBytes < NodeStorage.GROUP_COMMIT_BYTES_MAX) {
                PendingWrite next = queue.poll();
                if (next == null) {
                    break;
                }
                if (next == STOP) {
                    stopping = true;
                    break;
                }
                group.add(next);
                groupBytes += next.payloadBytes();
            }
            commitGroup(group);
            group.clear();
        }
    }

    private PendingWrite takeUninterruptibly() {
        while (true) {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                // Only close() may end this thread, through the stop marker, so queued writes are never dropped.
            }
        }
    }

    /**
     * The {@code everysec} syncer: every {@link #WAL_SYNC_INTERVAL_MILLIS}, syncs the write-ahead log if a group was
     * written since the previous sync. It reads the written counters before it syncs, so the sync covers at least
     * those records (their RocksDB writes returned before the counters moved).
     */
    private void syncEverySecondUntilStopped() {
        long groupsAtLastSync = 0;
        while (!awaitStopRequest(WAL_SYNC_INTERVAL_MILLIS)) {
            long groups = committedGroups;
            long records = writtenRecords;
            if (groups == groupsAtLastSync || failure != null) {
                continue;
            }
            try {
                database.syncWal();
            } catch (RocksDBException | RuntimeException e) {
                // Redis refuses writes once its background fsync fails; so does this store, because acknowledged
                // writes could no longer be promised to reach the disk.
                failure = new StorageException("write-ahead log sync failed; the store accepts no more writes: "
                        + e.getMessage(), e);
                LOG.error("Periodic sync of the write-ahead log failed; refusing all further writes", e);
                return;
            }
            recordSync(records);
            groupsAtLastSync = groups;
        }
    }

    /** Waits up to {@code millis} for {@link #stop}; returns whether it was requested. */
    private boolean awaitStopRequest(long millis) {
        try {
            return syncerStopRequested.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            // Only stop() may end the syncer; an interrupt from elsewhere just starts the next interval early.
            return false;
        }
    }

    private void commitGroup(List<PendingWrite> group) {
        StorageException earlier = failure;
        if (earlier != null) {
            group.forEach(write -> write.done().completeExceptionally(earlier));
            return;
        }
        boolean sync = fsyncPolicy == FsyncPolicy.ALWAYS;
        long records = 0;
        try (WriteBatch batch = new WriteBatch()) {
            for (PendingWrite write : group) {
                write.operation().addTo(batch);
                sync |= write.forcesSync();
                if (write.isLogRecord()) {
                    records++;
                }
            }
            database.write(sync ? syncedWrite : unsyncedWrite, batch);
        } catch (RocksDBException | RuntimeException e) {
            StorageException failed = new StorageException("storage write failed; the store accepts no more writes "
                    + "(a hole in the log would break recovery): " + e.getMessage(), e);
            failure = failed;
            LOG.error("Storage write of {} queued writes failed; refusing all further writes", group.size(), e);
            group.forEach(write -> write.done().completeExceptionally(failed));
            return;
        }
        // Only the writer thread writes these two counters, so plain increments of volatiles are safe.
        writtenRecords += records;
        committedGroups++;
        if (sync) {
            recordSync(writtenRecords);
        }
        for (PendingWrite write : group) {
            write.done().complete(write.result());
        }
    }
}
