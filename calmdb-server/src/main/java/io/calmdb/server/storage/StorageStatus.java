package io.calmdb.server.storage;

/**
 * A snapshot of the store's counters for {@code INFO} and {@code /metrics}. Fields are read without a common lock, so
 * they are each current but not necessarily from the same instant.
 *
 * @param fsyncPolicy the policy in force, which says what an acknowledgement promises
 * @param lastPosition the highest log position assigned so far (0 before the first append)
 * @param checkpointPosition the log position the latest committed checkpoint covers (0 before the first)
 * @param logTruncatedThroughPosition every record at or below this position has been deleted (0 if none)
 * @param pendingWrites writes queued for the writer thread and not yet acknowledged
 * @param committedGroups RocksDB write batches that carried writes since open; with {@code batch}, the ratio
 *     of records to groups is the group commit factor
 * @param writtenRecords write-ahead records written since open
 */
public record StorageStatus(
        FsyncPolicy fsyncPolicy,
        long lastPosition,
        long checkpointPosition,
        long logTruncatedThroughPosition,
        int pendingWrites,
        long committedGroups,
        long writtenRecords) {
}
