package io.calmdb.replication.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Each protocol's step-by-step behaviour, driven by hand through a {@link CollectingOutbox}. */
class BroadcastProtocolsTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final List<ReplicaId> ABC = List.of(A, B, C);

    @Test
    void bestEffort_sendsOncePerPeer_andIgnoresDuplicates() {
        CollectingOutbox<RelayMessage<String>, String> out = new CollectingOutbox<>();
        BroadcastProtocol<RelayMessage<String>, String> a = Broadcasts.bestEffort(A, ABC);
        a.broadcast("x", 0, out);
        assertThat(out.sends()).extracting(CollectingOutbox.Send::to).containsExactly(B, C);
        assertThat(out.deliveries()).extracting(CollectingOutbox.Delivery::payload).containsExactly("x");

        CollectingOutbox<RelayMessage<String>, String> atB = new CollectingOutbox<>();
        BroadcastProtocol<RelayMessage<String>, String> b = Broadcasts.bestEffort(B, ABC);
        b.receive(A, out.sends().get(0).message(), 1, atB);
        b.receive(A, out.sends().get(0).message(), 2, atB);
        assertThat(atB.deliveries()).hasSize(1);
        assertThat(atB.sends()).isEmpty();
    }

    @Test
    void reliable_relaysAFirstReceiptToEveryoneButTheSenderAndOrigin() {
        ReplicaId d = ReplicaId.of("d");
        BroadcastProtocol<RelayMessage<String>, String> b = Broadcasts.reliable(B, List.of(A, B, C, d), 0);
        CollectingOutbox<RelayMessage<String>, String> out = new CollectingOutbox<>();
        RelayMessage.Data<String> data = new RelayMessage.Data<>(Dot.of(A, 1), VersionVector.empty(), "x");
        b.receive(C, data, 5, out);
        assertThat(out.deliveries()).hasSize(1);
        assertThat(out.sends()).extracting(CollectingOutbox.Send::to).containsExactly(d);
        out.clear();
        b.receive(d, data, 6, out);
        assertThat(out.deliveries()).isEmpty();
        assertThat(out.sends()).isEmpty();
    }

    @Test
    void reliable_withRetransmission_resendsUntilAcknowledged() {
        BroadcastProtocol<RelayMessage<String>, String> a = Broadcasts.reliable(A, List.of(A, B), 100);
        CollectingOutbox<RelayMessage<String>, String> out = new CollectingOutbox<>();
        Dot id = a.broadcast("x", 0, out);
        assertThat(out.wakeUps()).containsExactly(100L);
        out.clear();
        a.tick(100, out);
        assertThat(out.sends()).hasSize(1);
        out.clear();
        a.receive(B, new RelayMessage.Ack<>(id), 150, out);
        a.tick(1_000, out);
        assertThat(out.sends()).isEmpty();
        assertThat(a.gauges().get(Broadcasts.GAUGE_UNACKNOWLEDGED_MESSAGES)).isZero();
    }

    @Test
    void causal_holdsAReplyBackUntilItsQuestionIsDelivered() {
        BroadcastProtocol<RelayMessage<String>, String> c = Broadcasts.causal(C, ABC, 100);
        CollectingOutbox<RelayMessage<String>, String> out = new CollectingOutbox<>();
        Dot question = Dot.of(A, 1);
        Dot reply = Dot.of(B, 1);
        c.receive(B, new RelayMessage.Data<>(reply, VersionVector.empty().with(A, 1), "yes please"), 1, out);
        assertThat(out.deliveries()).isEmpty();
        assertThat(c.gauges().get(Broadcasts.GAUGE_HOLD_BACK_MESSAGES)).isEqualTo(1);
        c.receive(A, new RelayMessage.Data<>(question, VersionVector.empty(), "pizza?"), 2, out);
        assertThat(out.deliveries()).extracting(CollectingOutbox.Delivery::payload)
                .containsExactly("pizza?", "yes please");
        assertThat(c.gauges().get(Broadcasts.GAUGE_HOLD_BACK_MESSAGES)).isZero();
    }

    @Test
    void causal_whenHoldBackIsFull_refusesWithoutAcknowledging_soTheSenderRetries() {
        BroadcastProtocol<RelayMessage<String>, String> c = Broadcasts.ordered(C, ABC, DeliveryOrder.CAUSAL, 100, 1);
        CollectingOutbox<RelayMessage<String>, String> out = new CollectingOutbox<>();
        c.receive(A, new RelayMessage.Data<>(Dot.of(A, 2), VersionVector.empty().with(A, 1), "second"), 1, out);
        out.clear();
        c.receive(A, new RelayMessage.Data<>(Dot.of(A, 3), VersionVector.empty().with(A, 2), "third"), 2, out);
        assertThat(out.sends()).isEmpty();
        assertThat(c.gauges().get(Broadcasts.GAUGE_REFUSED_WHILE_FULL)).isEqualTo(1);
        // A deliverable message is always accepted, even with a full buffer, and unblocks the held one.
        c.receive(A, new RelayMessage.Data<>(Dot.of(A, 1), VersionVector.empty(), "first"), 3, out);
        assertThat(out.deliveries()).extracting(CollectingOutbox.Delivery::payload).containsExactly("first", "second");
    }

    @Test
    void ordered_rejectsAZeroRetransmissionPeriod() {
        assertThatThrownBy(() -> Broadcasts.ordered(A, ABC, DeliveryOrder.FIFO, 0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retransmitPeriodMillis");
    }

    @Test
    void gossipPush_spreadsOnRoundBoundaries_andRetiresAfterItsLifetime() {
        GossipConfig config = new GossipConfig(GossipConfig.Style.PUSH, 1, 100, 2);
        BroadcastProtocol<GossipMessage<String>, String> a = Broadcasts.gossip(A, ABC, config, new SplittableRandom(7));
        CollectingOutbox<GossipMessage<String>, String> out = new CollectingOutbox<>();
        a.broadcast("x", 30, out);
        assertThat(out.wakeUps()).containsExactly(100L);
        out.clear();
        a.tick(100, out);
        assertThat(out.sends()).hasSize(1);
        out.clear();
        a.tick(200, out);
        assertThat(out.sends()).hasSize(1);
        assertThat(out.wakeUps()).isEmpty();
        assertThat(a.gauges().get(Broadcasts.GAUGE_ACTIVE_RUMOURS)).isZero();
        assertThat(a.gauges().get(Broadcasts.GAUGE_RETIRED_RUMOURS)).isEqualTo(1);
    }

    @Test
    void gossipPull_answersOnlyWithRumoursTheAskerLacks() {
        GossipConfig config = new GossipConfig(GossipConfig.Style.PULL, 1, 100, 5);
        BroadcastProtocol<GossipMessage<String>, String> a = Broadcasts.gossip(A, ABC, config, new SplittableRandom(7));
        CollectingOutbox<GossipMessage<String>, String> out = new CollectingOutbox<>();
        a.broadcast("x", 0, out);
        a.broadcast("y", 0, out);
        out.clear();
        a.receive(B, new GossipMessage<>(List.of(), VersionVector.empty().with(A, 1)), 10, out);
        assertThat(out.sends()).hasSize(1);
        assertThat(out.sends().get(0).message().rumours()).extracting(GossipMessage.Rumour::payload)
                .containsExactly("y");
    }

    @Test
    void antiEntropy_shipsExactlyWhatTheDigestLacks_andAsksBackWhenBehind() {
        BroadcastProtocol<AntiEntropyMessage<String>, String> a = Broadcasts.antiEntropy(A, ABC,
                AntiEntropyConfig.exchangeOnly(1_000), new SplittableRandom(1));
        CollectingOutbox<AntiEntropyMessage<String>, String> out = new CollectingOutbox<>();
        a.broadcast("1", 0, out);
        a.broadcast("2", 0, out);
        a.broadcast("3", 0, out);
        out.clear();
        a.receive(B, new AntiEntropyMessage.Digest<>(VersionVector.empty().with(A, 1).with(B, 4), true), 5, out);
        assertThat(out.sends()).hasSize(2);
        AntiEntropyMessage.Events<String> events = (AntiEntropyMessage.Events<String>) out.sends().get(0).message();
        assertThat(events.events()).extracting(AntiEntropyMessage.Event::payload).containsExactly("2", "3");
        assertThat(out.sends().get(1).message()).isInstanceOf(AntiEntropyMessage.Digest.class);
    }

    @Test
    void antiEntropy_afterRestart_knowsRecoveredEvents_withoutDeliveringThemAgain() {
        List<AntiEntropyMessage.Event<String>> recovered = List.of(new AntiEntropyMessage.Event<>(Dot.of(A, 1), "1"),
                new AntiEntropyMessage.Event<>(Dot.of(B, 1), "b1"));
        BroadcastProtocol<AntiEntropyMessage<String>, String> a = Broadcasts.antiEntropyRecovered(A, ABC,
                AntiEntropyConfig.exchangeOnly(1_000), new SplittableRandom(1), recovered);
        CollectingOutbox<AntiEntropyMessage<String>, String> out = new CollectingOutbox<>();
        a.receive(C, new AntiEntropyMessage.Events<>(recovered), 1, out);
        assertThat(out.deliveries()).isEmpty();
        assertThat(a.broadcast("2", 2, out)).isEqualTo(Dot.of(A, 2));
    }

    @Test
    void treePush_sendsEachNewEventToTreeNeighboursOnly() {
        List<ReplicaId> seven = List.of(A, B, C, ReplicaId.of("d"), ReplicaId.of("e"), ReplicaId.of("f"),
                ReplicaId.of("g"));
        // Fanout 2 over sorted ids: b's parent is a, its children are d and e.
        BroadcastProtocol<AntiEntropyMessage<String>, String> b = Broadcasts.antiEntropy(B, seven,
                new AntiEntropyConfig(1_000, 2, 0, 0), new SplittableRandom(1));
        CollectingOutbox<AntiEntropyMessage<String>, String> out = new CollectingOutbox<>();
        b.broadcast("x", 0, out);
        assertThat(out.sends()).extracting(CollectingOutbox.Send::to)
                .containsExactly(A, ReplicaId.of("d"), ReplicaId.of("e"));
    }

    @Test
    void deliveredSet_staysBounded_whenGapsNeverFill() {
        DeliveredSet set = new DeliveredSet();
        for (long counter = 2; counter < 2 + DeliveredSet.SEEN_ABOVE_FLOOR_MAX_IDS + 10; counter++) {
            assertThat(set.add(Dot.of(A, counter))).isTrue();
        }
        assertThat(set.idsAboveFloors()).isLessThanOrEqualTo(DeliveredSet.SEEN_ABOVE_FLOOR_MAX_IDS);
        assertThat(set.add(Dot.of(A, 1))).as("a message from a given-up gap is treated as seen").isFalse();
        assertThat(set.add(Dot.of(A, 5))).as("never delivered twice").isFalse();
    }
}
