package io.calmdb.server.storage;

import io.calmdb.crdt.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What {@link NodeStorage#open} needs: where the data lives, whose data it is, and when a write counts as durable.
 *
 * <p>The cluster name and replica id are written into the data directory when it is created and checked on every
 * later open, so a directory copied to the wrong node, or a configuration pointing at another replica's directory, is
 * refused instead of silently mixing two histories.
 *
 * @param dataDirectory a directory owned by the storage alone; it is created if absent and must otherwise be empty or
 *     hold CalmDB storage
 * @param clusterName the cluster this replica belongs to, 1 to {@value #CLUSTER_NAME_BYTES_MAX} bytes of UTF-8
 * @param replicaId the replica whose durable copy this is
 * @param fsyncPolicy when a write is acknowledged
 */
public record StorageOptions(Path dataDirectory, String clusterName, ReplicaId replicaId, FsyncPolicy fsyncPolicy) {
    /** The longest cluster name accepted, in UTF-8 bytes; it is stored in the identity record. */
    public static final int CLUSTER_NAME_BYTES_MAX = 256;

    /** Validates every argument and names the one that is wrong. */
    public StorageOptions {
        if (dataDirectory == null) {
            throw new IllegalArgumentException("dataDirectory must not be null");
        }
        if (clusterName == null || clusterName.isBlank()) {
            throw new IllegalArgumentException("clusterName must not be null or blank");
        }
        int clusterNameBytes = clusterName.getBytes(StandardCharsets.UTF_8).length;
        if (clusterNameBytes > CLUSTER_NAME_BYTES_MAX) {
            throw new IllegalArgumentException("clusterName must be at most " + CLUSTER_NAME_BYTES_MAX
                    + " bytes of UTF-8, got " + clusterNameBytes);
        }
        if (replicaId == null) {
            throw new IllegalArgumentException("replicaId must not be null");
        }
        if (fsyncPolicy == null) {
            throw new IllegalArgumentException("fsyncPolicy must not be null");
        }
    }
}
