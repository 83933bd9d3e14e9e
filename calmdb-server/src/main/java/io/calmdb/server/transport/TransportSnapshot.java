package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A point-in-time view of a whole transport: identity, listening address, partitions and one
 * {@link LinkSnapshot} per peer, ordered by replica id so that printed output is stable.
 *
 * @param self                this node's replica id
 * @param clusterName         the cluster this node belongs to
 * @param listenAddress       the bound listening address (with the real port when 0 was configured)
 * @param partitioned         peers currently cut off by {@link PeerTransport#partition}
 * @param connectionsRejected inbound connections closed before or at their handshake (wrong cluster, unknown
 *                            replica, garbage, oversized frames, silence, partition)
 * @param links               one entry per configured peer, sorted by peer id
 */
public record TransportSnapshot(
        ReplicaId self,
        String clusterName,
        InetSocketAddress listenAddress,
        Set<ReplicaId> partitioned,
        long connectionsRejected,
        List<LinkSnapshot> links) {

    public TransportSnapshot {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(listenAddress, "listenAddress");
        partitioned = Set.copyOf(partitioned);
        links = List.copyOf(links);
    }

    /** The snapshot of the link with {@code peer}, if it is a configured peer. */
    public Optional<LinkSnapshot> link(ReplicaId peer) {
        return links.stream().filter(link -> link.peer().equals(peer)).findFirst();
    }
}
