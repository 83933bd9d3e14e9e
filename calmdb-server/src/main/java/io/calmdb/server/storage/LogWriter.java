package io.calmdb.server.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
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
 * <p>With {@code always} and {@code batch}, one named writer thread drains a bounded queue. It takes the first waiting
 * write, adds whatever else is already queued (up to {@link NodeStorage#GROUP_COMMIT_RECORDS_MAX} records and
 * {@link NodeStorage#GROUP_COMMIT_BYTES_MAX} bytes for {@code batch}, exactly one record for {@code always}), writes
 * the group as one RocksDB write batch with {@code sync=true}, and then completes every write in it. It never waits
 * for more writes to arrive: a group is whatever queued up while the previous sync ran, which is what makes group
 * commit cost nothing at low load (the classic group commit of database logs, as in DeWitt et al., "Implementation
 * techniques for main memory database systems", SIGMOD 1984).
 *
 * <p>With {@code never} there is no thread: the submitting thread writes without a sync and completes at once.
 *
 * <p>Callers serialise {@link #submit} under one lock (the store's sequence lock), so the queue order is the order
 * positions were assigned, and RocksDB's write-ahead log receives writes in that order; after a crash, what survives
 * is therefore a prefix of that order.
 */
final class LogWriter {
    private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);

    /** One RocksDB mutation added to a group's write batch. */
    @FunctionalInterface
    interface BatchOperation {
        void addTo(WriteBatch batch) throws RocksDBException;
    }

    /**
     * A write waiting for durability. {@code result} is what {@code done} completes with (the log position for an
     * append); {@code forcesSync} makes its group sync even under {@code never} (the checkpoint manifest needs that).
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
    private final int groupRecordsMax;
    private final Thread thread;

    private volatile StorageException failure;
    private volatile long committedGroups;
    private volatile long writtenRecords;

    LogWriter(RocksDB database, FsyncPolicy fsyncPolicy, String replicaName) {
        this.database = database;
        this.fsyncPolicy = fsyncPolicy;
        this.syncedWrite = new WriteOptions().setSync(true);
        this.unsyncedWrite = new WriteOptions().setSync(false);
        if (fsyncPolicy == FsyncPolicy.NEVER) {
            this.queue = null;
            this.groupRecordsMax = 1;
            this.thread = null;
        } else {
            this.queue = new ArrayBlockingQueue<>(NodeStorage.WRITE_QUEUE_RECORDS_MAX);
            this.groupRecordsMax = fsyncPolicy == FsyncPolicy.ALWAYS ? 1 : NodeStorage.GROUP_COMMIT_RECORDS_MAX;
            this.thread = new Thread(this::drainUntilStopped, "calmdb-storage-writer-" + replicaName);
            // A daemon, so a node that forgets close() cannot hang JVM exit; whatever is queued then was never
            // acknowledged, so nothing acknowledged is lost.
            this.thread.setDaemon(true);
            this.thread.start();
        }
    }

    /**
     * Queues (or, under {@code never}, performs) one write. Must be called under the store's sequence lock. Blocks
     * while the queue is full, ignoring interrupts until the write is queued (an interrupt is re-asserted afterwards):
     * giving up after a position was assigned would leave a hole in the log.
     */
    void submit(PendingWrite write) {
        if (queue == null) {
            commitGroup(List.of(write));
            return;
        }
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

    /** The first write failure, after which every write fails; null while healthy. */
    StorageException failure() {
        return failure;
    }

    int pendingWrites() {
        return queue == null ? 0 : queue.size();
    }

    long committedGroups() {
        return committedGroups;
    }

    long writtenRecords() {
        return writtenRecords;
    }

    /**
     * Writes everything queued so far, then stops the thread and waits for it. Must be called under the sequence lock
     * after the store stopped accepting writes, so nothing can be queued behind the stop marker.
     */
    void stop() {
        if (thread != null) {
            submit(STOP);
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        syncedWrite.close();
        unsyncedWrite.close();
    }

    private void drainUntilStopped() {
        List<PendingWrite> group = new ArrayList<>(groupRecordsMax);
        boolean stopping = false;
        while (!stopping) {
            PendingWrite first = takeUninterruptibly();
            if (first == STOP) {
                break;
            }
            group.add(first);
            long groupBytes = first.payloadBytes();
            while (group.size() < groupRecordsMax && groupBytes < NodeStorage.GROUP_COMMIT_BYTES_MAX) {
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

    private void commitGroup(List<PendingWrite> group) {
        StorageException earlier = failure;
        if (earlier != null) {
            group.forEach(write -> write.done().completeExceptionally(earlier));
            return;
        }
        boolean sync = fsyncPolicy != FsyncPolicy.NEVER;
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
        // Single writer (the writer thread, or the submitter under the sequence lock), so plain increments are safe.
        committedGroups++;
        writtenRecords += records;
        for (PendingWrite write : group) {
            write.done().complete(write.result());
        }
    }
}
