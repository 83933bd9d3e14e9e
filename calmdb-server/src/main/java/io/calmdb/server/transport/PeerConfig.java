package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;
import java.time.Duration;
import java.util.Objects;

/**
 * One peer this node replicates with: its replica id, where it listens, and an optional injected one-way latency.
 *
 * <p>The latency exists for the demo's {@code --wan} mode: every frame to this peer waits that long after
 * {@link PeerTransport#send} before it is written, so a three-region demo on one machine shows real inter-region
 * delays. Frames keep their per-link order because every frame on a link waits the same time.
 *
 * @param id              the peer's replica id; its handshake must present exactly this id
 * @param host            host name or address the peer listens on
 * @param port            TCP port the peer listens on, 1 to 65535
 * @param oneWayLatency   delay added before each frame to this peer is written; {@link Duration#ZERO} for none
 */
public record PeerConfig(ReplicaId id, String host, int port, Duration oneWayLatency) {
    /** The largest injectable latency; a bound keeps a typo from parking messages for days. */
    public static final Duration ONE_WAY_LATENCY_MAX = Duration.ofMinutes(10);

    public PeerConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(oneWayLatency, "oneWayLatency");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be 1 to 65535, got " + port);
        }
        checkLatency(oneWayLatency);
    }

    /** A peer without injected latency. */
    public static PeerConfig of(ReplicaId id, String host, int port) {
        return new PeerConfig(id, host, port, Duration.ZERO);
    }

    /** This peer with a different injected one-way latency. */
    public PeerConfig withOneWayLatency(Duration latency) {
        return new PeerConfig(id, host, port, latency);
    }

    static void checkLatency(Duration oneWayLatency) {
        Objects.requireNonNull(oneWayLatency, "oneWayLatency");
        if (oneWayLatency.isNegative() || oneWayLatency.compareTo(ONE_WAY_LATENCY_MAX) > 0) {
            throw new IllegalArgumentException(
                    "oneWayLatency must be 0 to " + ONE_WAY_LATENCY_MAX + ", got " + oneWayLatency);
        }
    }
}
