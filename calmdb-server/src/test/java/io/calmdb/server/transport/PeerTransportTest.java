package io.calmdb.server.transport;

import static io.calmdb.server.transport.TransportTestSupport.CLUSTER;
import static io.calmdb.server.transport.TransportTestSupport.awaitCondition;
import static io.calmdb.server.transport.TransportTestSupport.awaitLinkUp;
import static io.calmdb.server.transport.TransportTestSupport.fastConfig;
import static io.calmdb.server.transport.TransportTestSupport.link;
import static io.calmdb.server.transport.TransportTestSupport.numbered;
import static io.calmdb.server.transport.TransportTestSupport.text;
import static io.calmdb.server.transport.TransportTestSupport.unusedPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.transport.TransportTestSupport.Inbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real loopback links between transports: delivery, order, handshake refusal, reconnection, partitions, bounds. */
class PeerTransportTest {
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
    private static final ReplicaId FRANKFURT = ReplicaId.of("frankfurt");
    private static final ReplicaId TOKYO = ReplicaId.of("tokyo");

    private final List<PeerTransport> started = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        for (PeerTransport transport : started) {
            transport.close();
        }
        started.clear();
    }

    private PeerTransport start(TransportConfig config, Inbox inbox) {
        PeerTransport transport = PeerTransport.start(config, inbox);
        started.add(transport);
        return transport;
    }

    /** Starts the three regions on reserved loopback ports, each peering with the other two. */
    private Map<ReplicaId, PeerTransport> startThreeRegions(Map<ReplicaId, Inbox> inboxes) {
        Map<ReplicaId, Integer> ports = Map.of(VIRGINIA, unusedPort(), FRANKFURT, unusedPort(), TOKYO, unusedPort());
        Map<ReplicaId, PeerTransport> nodes = new java.util.TreeMap<>();
        for (ReplicaId self : ports.keySet()) {
            TransportConfig.Builder builder = fastConfig(self, CLUSTER).listen("127.0.0.1", ports.get(self));
            for (ReplicaId peer : ports.keySet()) {
                if (!peer.equals(self)) {
                    builder.peer(peer, "127.0.0.1", ports.get(peer));
                }
            }
            nodes.put(self, start(builder.build(), inboxes.get(self)));
        }
        return nodes;
    }

    @Test
    void threeNodes_exchangeMessagesInBothDirections_inPerLinkOrder() {
        Map<ReplicaId, Inbox> inboxes = Map.of(VIRGINIA, new Inbox(), FRANKFURT, new Inbox(), TOKYO, new Inbox());
        Map<ReplicaId, PeerTransport> nodes = startThreeRegions(inboxes);
        int count = 500;
        // Sending before the links are up is allowed: messages wait in the bounded queue.
        for (ReplicaId from : nodes.keySet()) {
            for (ReplicaId to : nodes.keySet()) {
                if (!from.equals(to)) {
                    for (String message : numbered(from + ">" + to, count)) {
                        assertThat(nodes.get(from).send(to, text(message))).isTrue();
                    }
                }
            }
        }
        for (ReplicaId to : nodes.keySet()) {
            for (ReplicaId from : nodes.keySet()) {
                if (!from.equals(to)) {
                    Inbox inbox = inboxes.get(to);
                    awaitCondition(to + " received all messages from " + from,
                            () -> inbox.from(from).size() >= count);
                    assertThat(inbox.from(from)).containsExactlyElementsOf(numbered(from + ">" + to, count));
                }
            }
        }
        LinkSnapshot virginiaToTokyo = link(nodes.get(VIRGINIA), TOKYO);
        assertThat(virginiaToTokyo.messagesSent()).isEqualTo(count);
        assertThat(virginiaToTokyo.queuedMessages()).isZero();
        awaitCondition("tokyo counted virginia's messages",
                () -> link(nodes.get(TOKYO), VIRGINIA).messagesReceived() == count);
        assertThat(link(nodes.get(TOKYO), VIRGINIA).inboundUp()).isTrue();
    }

    @Test
    void handshake_withWrongClusterName_isRejectedOnBothSides() {
        int alphaPort = unusedPort();
        int betaPort = unusedPort();
        Inbox alphaInbox = new Inbox();
        Inbox betaInbox = new Inbox();
        PeerTransport alpha = start(fastConfig(VIRGINIA, "alpha").listen("127.0.0.1", alphaPort)
                .peer(FRANKFURT, "127.0.0.1", betaPort).build(), alphaInbox);
        PeerTransport beta = start(fastConfig(FRANKFURT, "beta").listen("127.0.0.1", betaPort)
                .peer(VIRGINIA, "127.0.0.1", alphaPort).build(), betaInbox);

        awaitCondition("alpha's dialer saw the rejection",
                () -> link(alpha, FRANKFURT).lastError().orElse("").contains("WRONG_CLUSTER"));
        awaitCondition("beta's dialer saw the rejection",
                () -> link(beta, VIRGINIA).lastError().orElse("").contains("WRONG_CLUSTER"));
        assertThat(alpha.snapshot().connectionsRejected()).isPositive();
        assertThat(beta.snapshot().connectionsRejected()).isPositive();
        assertThat(link(alpha, FRANKFURT).state()).isNotEqualTo(LinkState.UP);
        assertThat(link(alpha, FRANKFURT).inboundUp()).isFalse();
        // A link that never completed its handshake never drains its queue.
        assertThat(alpha.send(FRANKFURT, text("hello"))).isTrue();
        assertThat(link(alpha, FRANKFURT).queuedMessages()).isEqualTo(1);
        assertThat(link(alpha, FRANKFURT).messagesSent()).isZero();
        assertThat(betaInbox.total()).isZero();
        assertThat(alphaInbox.total()).isZero();
    }

    @Test
    void peerThatStartsLateOrRestarts_isReconnected_andGetsQueuedMessages() {
        int virginiaPort = unusedPort();
        int tokyoPort = unusedPort();
        Inbox virginiaInbox = new Inbox();
        PeerTransport virginia = start(fastConfig(VIRGINIA, CLUSTER).listen("127.0.0.1", virginiaPort)
                .peer(TOKYO, "127.0.0.1", tokyoPort).build(), virginiaInbox);
        TransportConfig tokyoConfig = fastConfig(TOKYO, CLUSTER).listen("127.0.0.1", tokyoPort)
                .peer(VIRGINIA, "127.0.0.1", virginiaPort).build();

        virginia.send(TOKYO, text("early-1"));
        virginia.send(TOKYO, text("early-2"));
        awaitCondition("virginia retried the absent peer", () -> link(virginia, TOKYO).connectAttempts() >= 2);
        assertThat(link(virginia, TOKYO).lastError()).hasValueSatisfying(error -> assertThat(error).contains("connect"));

        Inbox firstTokyoInbox = new Inbox();
        PeerTransport tokyo = start(tokyoConfig, firstTokyoInbox);
        awaitCondition("tokyo received the queued messages", () -> firstTokyoInbox.from(VIRGINIA).size() == 2);
        assertThat(firstTokyoInbox.from(VIRGINIA)).containsExactly("early-1", "early-2");

        tokyo.close();
        awaitCondition("virginia noticed tokyo is gone", () -> link(virginia, TOKYO).state() != LinkState.UP);
        virginia.send(TOKYO, text("while-down"));

        Inbox secondTokyoInbox = new Inbox();
        PeerTransport restarted = start(tokyoConfig, secondTokyoInbox);
        awaitCondition("the restarted tokyo received the message sent while it was down",
                () -> secondTokyoInbox.from(VIRGINIA).size() == 1);
        assertThat(secondTokyoInbox.from(VIRGINIA)).containsExactly("while-down");
        restarted.send(VIRGINIA, text("tokyo-is-back"));
        awaitCondition("virginia hears from the restarted tokyo", () -> virginiaInbox.from(TOKYO).size() == 1);
        assertThat(virginiaInbox.from(TOKYO)).containsExactly("tokyo-is-back");
    }

    @Test
    void partition_cutsDeliveryBothWays_healRestoresIt_andOtherLinksKeepWorking() {
        Map<ReplicaId, Inbox> inboxes = Map.of(VIRGINIA, new Inbox(), FRANKFURT, new Inbox(), TOKYO, new Inbox());
        Map<ReplicaId, PeerTransport> nodes = startThreeRegions(inboxes);
        PeerTransport virginia = nodes.get(VIRGINIA);
        PeerTransport frankfurt = nodes.get(FRANKFURT);
        for (PeerTransport node : nodes.values()) {
            for (LinkSnapshot link : node.snapshot().links()) {
                awaitLinkUp(node, link.peer());
            }
        }

        virginia.partition(Set.of(FRANKFURT));
        assertThat(virginia.partitioned()).containsExactly(FRANKFURT);
        assertThat(link(virginia, FRANKFURT).state()).isEqualTo(LinkState.PARTITIONED);
        long sentBefore = link(virginia, FRANKFURT).messagesSent();
        assertThat(virginia.send(FRANKFURT, text("during-partition-v"))).isTrue();
        assertThat(link(virginia, FRANKFURT).queuedMessages()).isEqualTo(1);
        assertThat(link(virginia, FRANKFURT).messagesSent()).isEqualTo(sentBefore);
        assertThat(virginia.isWritable(FRANKFURT)).isFalse();

        // Frankfurt's own dialer is cut too: its reconnections are refused while the partition lasts.
        awaitCondition("frankfurt's reconnection is refused by virginia's partition",
                () -> link(frankfurt, VIRGINIA).lastError().orElse("").contains("PARTITIONED"));
        assertThat(link(frankfurt, VIRGINIA).state()).isNotEqualTo(LinkState.UP);
        assertThat(frankfurt.send(VIRGINIA, text("during-partition-f"))).isTrue();
        assertThat(link(frankfurt, VIRGINIA).queuedMessages()).isEqualTo(1);
        assertThat(link(virginia, FRANKFURT).inboundUp()).isFalse();

        virginia.send(TOKYO, text("virginia-to-tokyo"));
        frankfurt.send(TOKYO, text("frankfurt-to-tokyo"));
        awaitCondition("tokyo still hears from both sides",
                () -> inboxes.get(TOKYO).total() == 2);
        assertThat(inboxes.get(FRANKFURT).from(VIRGINIA)).isEmpty();
        assertThat(inboxes.get(VIRGINIA).from(FRANKFURT)).isEmpty();

        virginia.heal();
        assertThat(virginia.partitioned()).isEmpty();
        awaitCondition("frankfurt received virginia's message after healing",
                () -> inboxes.get(FRANKFURT).from(VIRGINIA).size() == 1);
        awaitCondition("virginia received frankfurt's message after healing",
                () -> inboxes.get(VIRGINIA).from(FRANKFURT).size() == 1);
        assertThat(inboxes.get(FRANKFURT).from(VIRGINIA)).containsExactly("during-partition-v");
        assertThat(inboxes.get(VIRGINIA).from(FRANKFURT)).containsExactly("during-partition-f");
    }

    @Test
    void outboundQueue_refusesWhenFull_byMessagesAndByBytes() {
        ReplicaId absent = ReplicaId.of("absent");
        PeerTransport byMessages = start(fastConfig(VIRGINIA, CLUSTER).queueMessagesMax(5)
                .peer(absent, "127.0.0.1", unusedPort()).build(), new Inbox());
        for (int i = 0; i < 5; i++) {
            assertThat(byMessages.send(absent, text("m" + i))).isTrue();
        }
        assertThat(byMessages.send(absent, text("one too many"))).isFalse();
        LinkSnapshot full = link(byMessages, absent);
        assertThat(full.queuedMessages()).isEqualTo(5);
        assertThat(full.messagesRefused()).isEqualTo(1);
        assertThat(byMessages.isWritable(absent)).isFalse();

        PeerTransport byBytes = start(fastConfig(FRANKFURT, CLUSTER).messageBytesMax(100).queueBytesMax(100)
                .peer(absent, "127.0.0.1", unusedPort()).build(), new Inbox());
        assertThat(byBytes.send(absent, new byte[60])).isTrue();
        assertThat(byBytes.send(absent, new byte[60])).isFalse();
        assertThat(byBytes.send(absent, new byte[40])).isTrue();
        assertThat(link(byBytes, absent).queuedBytes()).isEqualTo(100);
        assertThat(link(byBytes, absent).messagesRefused()).isEqualTo(1);
    }

    @Test
    void send_rejectsUnknownPeers_refusesOversizedMessagesWithAReason_andRefusesAfterClose() {
        PeerTransport virginia = start(fastConfig(VIRGINIA, CLUSTER).frameBytesMax(2048).messageBytesMax(10_000)
                .peer(TOKYO, "127.0.0.1", unusedPort()).build(), new Inbox());
        assertThatThrownBy(() -> virginia.send(FRANKFURT, text("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frankfurt");
        // Longer than a frame is fine; longer than messageBytesMax is refused, counted and explained, not thrown,
        // because the causal stream retries what it sent and must not abort its tick on every retry.
        assertThat(virginia.send(TOKYO, new byte[2048])).isTrue();
        assertThat(virginia.send(TOKYO, new byte[10_000])).isTrue();
        // The transport logs through SLF4J, so Logback's list appender on the link's logger records its lines.
        ch.qos.logback.classic.Logger linkLog =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(PeerLink.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> recorder =
                new ch.qos.logback.core.read.ListAppender<>();
        recorder.start();
        linkLog.addAppender(recorder);
        try {
            for (int retry = 0; retry < 1_000; retry++) {
                assertThat(virginia.send(TOKYO, new byte[10_001])).isFalse();
            }
        } finally {
            linkLog.detachAppender(recorder);
            recorder.stop();
        }
        // The link logs its connection attempts to the absent peer too; only refusals count here.
        List<String> logged = recorder.list.stream().map(event -> event.getFormattedMessage())
                .filter(message -> message.contains(" refused ")).toList();
        assertThat(logged).as("one log line for a burst of refusals, not one per retry").hasSize(1);
        assertThat(logged.getFirst()).contains("refused 1 message(s) to tokyo").contains("messageBytesMax 10000");
        LinkSnapshot refused = link(virginia, TOKYO);
        assertThat(refused.messagesOversized()).isEqualTo(1_000);
        assertThat(refused.messagesRefused()).isEqualTo(1_000);
        assertThat(refused.queuedMessages()).isEqualTo(2);
        assertThat(refused.lastRefusal()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("10001 bytes").contains("messageBytesMax 10000"));
        virginia.close();
        assertThat(virginia.send(TOKYO, text("late"))).isFalse();
        assertThat(link(virginia, TOKYO).state()).isEqualTo(LinkState.CLOSED);
        assertThat(link(virginia, TOKYO).lastRefusal()).hasValue("the transport is closed");
    }

    @Test
    void injectedLatency_holdsMessagesBack_thenDeliversThemInOrder() {
        int virginiaPort = unusedPort();
        int tokyoPort = unusedPort();
        Inbox tokyoInbox = new Inbox();
        Inbox virginiaInbox = new Inbox();
        PeerTransport virginia = start(fastConfig(VIRGINIA, CLUSTER).listen("127.0.0.1", virginiaPort)
                .peer(PeerConfig.of(TOKYO, "127.0.0.1", tokyoPort).withOneWayLatency(PeerConfig.ONE_WAY_LATENCY_MAX))
                .build(), virginiaInbox);
        PeerTransport tokyo = start(fastConfig(TOKYO, CLUSTER).listen("127.0.0.1", tokyoPort)
                .peer(VIRGINIA, "127.0.0.1", virginiaPort).build(), tokyoInbox);
        awaitLinkUp(virginia, TOKYO);

        List<String> first = numbered("slow", 100);
        first.forEach(message -> virginia.send(TOKYO, text(message)));
        // Ten minutes of latency: every message is provably still held back, whatever the scheduling.
        assertThat(link(virginia, TOKYO).queuedMessages()).isEqualTo(100);
        assertThat(link(virginia, TOKYO).messagesSent()).isZero();
        assertThat(link(virginia, TOKYO).oneWayLatency()).isEqualTo(PeerConfig.ONE_WAY_LATENCY_MAX);

        // The link without latency is unaffected.
        tokyo.send(VIRGINIA, text("fast"));
        awaitCondition("the unlagged direction delivers", () -> virginiaInbox.from(TOKYO).size() == 1);
        assertThat(tokyoInbox.total()).isZero();

        virginia.setOneWayLatency(TOKYO, Duration.ofMillis(25));
        List<String> second = numbered("wan", 100);
        second.forEach(message -> virginia.send(TOKYO, text(message)));
        awaitCondition("tokyo received every delayed message", () -> tokyoInbox.from(VIRGINIA).size() == 200);
        List<String> expected = new ArrayList<>(first);
        expected.addAll(second);
        assertThat(tokyoInbox.from(VIRGINIA)).containsExactlyElementsOf(expected);
    }

    @Test
    void linkStateChanges_areReportedToTheListener() {
        int virginiaPort = unusedPort();
        int tokyoPort = unusedPort();
        List<LinkState> states = java.util.Collections.synchronizedList(new ArrayList<>());
        TransportListener recording = new TransportListener() {
            @Override
            public void onMessage(ReplicaId from, byte[] message) {
            }

            @Override
            public void onLinkStateChanged(ReplicaId peer, LinkState state) {
                states.add(state);
            }
        };
        PeerTransport virginia = PeerTransport.start(fastConfig(VIRGINIA, CLUSTER).listen("127.0.0.1", virginiaPort)
                .peer(TOKYO, "127.0.0.1", tokyoPort).build(), recording);
        started.add(virginia);
        start(fastConfig(TOKYO, CLUSTER).listen("127.0.0.1", tokyoPort)
                .peer(VIRGINIA, "127.0.0.1", virginiaPort).build(), new Inbox());
        awaitLinkUp(virginia, TOKYO);
        virginia.partition(Set.of(TOKYO));
        awaitCondition("the partition was reported", () -> states.contains(LinkState.PARTITIONED));
        assertThat(states).contains(LinkState.CONNECTING, LinkState.UP);
    }

    @Test
    void config_rejectsSelfAsPeer_duplicatePeers_andAnInvalidClusterName() {
        assertThatThrownBy(() -> TransportConfig.builder(VIRGINIA, CLUSTER).peer(VIRGINIA, "127.0.0.1", 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("own id");
        assertThatThrownBy(() -> TransportConfig.builder(VIRGINIA, CLUSTER).peer(TOKYO, "127.0.0.1", 1)
                .peer(TOKYO, "127.0.0.1", 2).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> TransportConfig.builder(VIRGINIA, "no spaces").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clusterName");
        assertThatThrownBy(() -> TransportConfig.builder(VIRGINIA, CLUSTER)
                .heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idleTimeout");
        assertThatThrownBy(() -> TransportConfig.builder(VIRGINIA, CLUSTER).messageBytesMax(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("messageBytesMax");
        assertThatThrownBy(() -> TransportConfig.builder(VIRGINIA, CLUSTER).messageBytesMax(1000).queueBytesMax(999)
                .build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queueBytesMax")
                .hasMessageContaining("messageBytesMax");
    }

    @Test
    void defaultBounds_admitTheLargestRespValue_andQueueAMaximalMessage() {
        TransportConfig defaults = TransportConfig.builder(VIRGINIA, CLUSTER).build();
        assertThat(defaults.messageBytesMax())
                .isGreaterThan(io.calmdb.server.resp.RespServerConfig.BULK_BYTES_MAX_DEFAULT)
                .isGreaterThanOrEqualTo((int) io.calmdb.server.resp.RespServerConfig.COMMAND_BYTES_MAX_DEFAULT);
        assertThat(defaults.queueBytesMax()).isGreaterThanOrEqualTo(defaults.messageBytesMax());
    }
}
