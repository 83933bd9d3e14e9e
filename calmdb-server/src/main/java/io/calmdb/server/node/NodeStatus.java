package io.calmdb.server.node;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.server.storage.StorageStatus;
import io.calmdb.server.transport.TransportSnapshot;
import java.util.Map;

/**
 * A point-in-time view of a node for the HTTP API, {@code /metrics} and {@code /health}, taken on the keyspace
 * thread so that the replication figures agree with each other.
 *
 * @param replica             this node's replica id
 * @param cluster             the cluster name
 * @param ownSequence         the last sequence this node gave one of its own deltas (0 before the first)
 * @param acknowledgedByPeer  per peer, the prefix of this node's deltas it acknowledged
 * @param versionVector       the contiguous part of the keyspace's causal context
 * @param delivered           what the causal stream delivered, per origin
 * @param peerDelivered       what each peer reported delivering in its last anti-entropy digest
 * @param replicationGauges   the causal stream's gauges (hold-back buffer, unacknowledged messages, ...) and
 *                            transfer counters
 * @param transport           the links' snapshot
 * @param storage             the write-ahead log's counters
 * @param keyspaceQueueTasks  client tasks waiting for the keyspace thread
 * @param keys                keys present
 * @param remoteDeltasApplied deltas from other regions applied since start
 */
public record NodeStatus(
        ReplicaId replica,
        String cluster,
        long ownSequence,
        Map<ReplicaId, Long> acknowledgedByPeer,
        VersionVector versionVector,
        VersionVector delivered,
        Map<ReplicaId, VersionVector> peerDelivered,
        Map<String, Object> replicationGauges,
        TransportSnapshot transport,
        StorageStatus storage,
        int keyspaceQueueTasks,
        int keys,
        long remoteDeltasApplied) {

    public NodeStatus {
        acknowledgedByPeer = Map.copyOf(acknowledgedByPeer);
        peerDelivered = Map.copyOf(peerDelivered);
        replicationGauges = Map.copyOf(replicationGauges);
    }

    /** How many of this node's own deltas {@code peer} has not acknowledged yet. */
    public long lag(ReplicaId peer) {
        return Math.max(0, ownSequence - acknowledgedByPeer.getOrDefault(peer, 0L));
    }
}
