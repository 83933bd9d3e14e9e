package io.calmdb.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.server.node.NodeStatus;
import io.calmdb.server.storage.FsyncPolicy;
import io.calmdb.server.storage.StorageStatus;
import io.calmdb.server.transport.LinkSnapshot;
import io.calmdb.server.transport.LinkState;
import io.calmdb.server.transport.TransportSnapshot;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code /health}'s verdict on one-way links, against hand-made snapshots, so the grace needs no waiting. */
class HealthViewTest {
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
    private static final ReplicaId FRANKFURT = ReplicaId.of("frankfurt");
    private static final long GRACE_MILLIS = 20_000;

    @Test
    void health_linkOneWayLongerThanTheGrace_isDegraded_withAReasonNamingThePeerAndTheDirection() {
        Map<String, Object> health = Views.health(status(link(LinkState.DOWN, true, 25_000)), GRACE_MILLIS);
        assertThat(health.get("status")).isEqualTo("degraded");
        assertThat(reasons(health)).singleElement().asString()
                .contains("link to frankfurt is one-way for 25000 ms (grace 20000 ms)")
                .contains("outbound to frankfurt at 127.0.0.1:1 is down")
                .contains("last error: connect failed");
        Map<?, ?> peer = (Map<?, ?>) ((List<?>) links(health).get("peers")).getFirst();
        assertThat(peer.get("outbound")).isEqualTo("down");
        assertThat(peer.get("inbound")).isEqualTo("up");
        assertThat(peer.get("status")).isEqualTo("one-way");
        assertThat(links(health).get("oneWay")).isEqualTo(1L);
    }

    @Test
    void health_inboundDownLongerThanTheGrace_isDegraded_andSaysThePeersWritesDoNotArrive() {
        Map<String, Object> health = Views.health(status(link(LinkState.UP, false, 25_000)), GRACE_MILLIS);
        assertThat(health.get("status")).isEqualTo("degraded");
        assertThat(reasons(health)).singleElement().asString()
                .contains("inbound from frankfurt is down: frankfurt's writes do not reach virginia");
    }

    @Test
    void health_linkOneWayWithinTheGrace_isServing_butShowsTheLinkAsOneWay() {
        Map<String, Object> health = Views.health(status(link(LinkState.DOWN, true, 5_000)), GRACE_MILLIS);
        assertThat(health.get("status")).isEqualTo("serving");
        assertThat(reasons(health)).isEmpty();
        Map<?, ?> peer = (Map<?, ?>) ((List<?>) links(health).get("peers")).getFirst();
        assertThat(peer.get("status")).isEqualTo("one-way");
        assertThat(peer.get("oneWayForMillis")).isEqualTo(5_000L);
    }

    @Test
    void health_linkUpBothWaysOrDownBothWaysOrPartitioned_isServing() {
        for (LinkSnapshot link : List.of(link(LinkState.UP, true, 60_000), link(LinkState.DOWN, false, 60_000),
                link(LinkState.PARTITIONED, false, 60_000))) {
            Map<String, Object> health = Views.health(status(link), GRACE_MILLIS);
            assertThat(health.get("status")).as(link.directions().label()).isEqualTo("serving");
            assertThat(links(health).get("oneWay")).isEqualTo(0L);
        }
    }

    private static List<?> reasons(Map<String, Object> health) {
        return (List<?>) health.get("reasons");
    }

    private static Map<?, ?> links(Map<String, Object> health) {
        return (Map<?, ?>) health.get("links");
    }

    private static LinkSnapshot link(LinkState outbound, boolean inboundUp, long steadyMillis) {
        return new LinkSnapshot(FRANKFURT, "127.0.0.1:1", outbound, inboundUp, outbound == LinkState.UP,
                Optional.of("connect failed"), Optional.empty(), 0, 0, 0, 0, 0, 0, 0, 0, Optional.empty(), 1,
                Duration.ZERO, Duration.ofMillis(steadyMillis));
    }

    private static NodeStatus status(LinkSnapshot link) {
        TransportSnapshot transport = new TransportSnapshot(VIRGINIA, "test", new InetSocketAddress("127.0.0.1", 2),
                link.state() == LinkState.PARTITIONED ? Set.of(FRANKFURT) : Set.of(), 0, List.of(link));
        StorageStatus storage = new StorageStatus(FsyncPolicy.ALWAYS, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false);
        return new NodeStatus(VIRGINIA, "test", 0, Map.of(), VersionVector.empty(), VersionVector.empty(), Map.of(),
                Map.of(), transport, storage, 0, 0, 0);
    }
}
