package io.calmdb.server.storage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of the store's counters for {@code INFO} and {@code /metrics}. Fields are read without a common lock, so
 * they are each current but not necessarily from the same instant.
 *
 * @param fsyncPolicy the policy in force, which says what an acknowledgement promises
 * @param lastPosition the highest log position assigned so far (0 before the first append)
 * @param checkpointPosition the log position the latest committed checkpoint covers (0 before the first)
 * @param logTruncatedThroughPosition every record at or below this position has been deleted (0 if none)
 * @param pendingWrites writes queued for the writer thread and not yet acknowledged
 * @param committedGroups RocksDB write batches that carried writes since open; the ratio of records to groups is
 *     the group commit factor
 * @param writtenRecords write-ahead records written since open
 * @param walSyncs syncs of the write-ahead log since open: one per group under {@code always}, about one a second
 *     while writes flow under {@code everysec}, and under every policy one per checkpoint manifest
 * @param lastWalSyncAgeMillis milliseconds since the latest sync of the write-ahead log completed, or -1 if there was
 *     none since open; under {@code everysec} it stays near one second while writes flow, and a larger value means
 *     the disk is slow and a power loss would now cost more than a second of writes
 * @param unsyncedRecords write-ahead records acknowledged since open but not yet synced, which is what a power loss
 *     right now could cost; always 0 under {@code always}
 * @param recoveredRecords write-ahead records that recovery replayed on open (those after the checkpoint)
 * @param tornTailDropped whether recovery found the write-ahead log ending in a torn record (a write a crash cut
 *     short) and dropped it
 */
public record StorageStatus(
        FsyncPolicy fsyncPolicy,
        long lastPosition,
        long checkpointPosition,
        long logTruncatedThroughPosition,
        int pendingWrites,
        long committedGroups,
        long writtenRecords,
        long walSyncs,
        long lastWalSyncAgeMillis,
        long unsyncedRecords,
        long recoveredRecords,
        boolean tornTailDropped) {

    /**
     * The durability and recovery fields of {@code INFO persistence}, in Redis's naming style (booleans as 0 or 1),
     * so that a field added here reaches {@code INFO} without a change to the node.
     */
    public Map<String, Object> durabilityInfo() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("wal_syncs", walSyncs);
        fields.put("last_fsync_age_ms", lastWalSyncAgeMillis);
        fields.put("unsynced_records", unsyncedRecords);
        fields.put("recovered_log_records", recoveredRecords);
        fields.put("recovered_torn_tail_dropped", tornTailDropped ? 1 : 0);
        return fields;
    }
}
