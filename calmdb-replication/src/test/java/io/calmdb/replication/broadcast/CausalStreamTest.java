package io.calmdb.replication.broadcast;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CausalStreamTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final List<ReplicaId> ALL = List.of(A, B, C);

    private static CausalStream<String> stream(ReplicaId self, VersionVector restored) {
        return Broadcasts.causalStream(self, ALL, 100, 64, restored);
    }

    @Test
    void aReceiverDoesNotRelay_onlyTheOriginSends() {
        CausalStream<String> a = stream(A, VersionVector.empty());
        CausalStream<String> b = stream(B, VersionVector.empty());
        CollectingOutbox<RelayMessage<String>, String> fromA = new CollectingOutbox<>();
        a.broadcast("hello", 0, fromA);
        assertThat(fromA.sends()).extracting(CollectingOutbox.Send::to).containsExactlyInAnyOrder(B, C);
        CollectingOutbox<RelayMessage<String>, String> atB = new CollectingOutbox<>();
        b.receive(A, fromA.sends().get(0).message(), 1, atB);
        assertThat(atB.deliveries()).extracting(CollectingOutbox.Delivery::payload).containsExactly("hello");
        // B only acknowledges: no Data goes to C.
        assertThat(atB.sends()).allMatch(send -> send.message() instanceof RelayMessage.Ack<String>);
    }

    @Test
    void afterARestart_numberingContinues_andOldMessagesAreDuplicates() {
        VersionVector before = VersionVector.of(Map.of(A, 5L, B, 2L));
        CausalStream<String> a = stream(A, before);
        CollectingOutbox<RelayMessage<String>, String> out = new CollectingOutbox<>();
        Dot id = a.broadcast("next", 0, out);
        assertThat(id).isEqualTo(Dot.of(A, 6));
        CollectingOutbox<RelayMessage<String>, String> old = new CollectingOutbox<>();
        a.receive(B, new RelayMessage.Data<>(Dot.of(B, 2), VersionVector.empty(), "old"), 1, old);
        assertThat(old.deliveries()).isEmpty();
    }

    @Test
    void skipTo_dropsCoveredHeldBackMessages_andDeliversWhatBecameReady() {
        CausalStream<String> c = stream(C, VersionVector.empty());
        CollectingOutbox<RelayMessage<String>, String> out = new CollectingOutbox<>();
        // a:2 and a:3 arrive without a:1, which was lost with a crashed origin.
        c.receive(A, new RelayMessage.Data<>(Dot.of(A, 2), VersionVector.of(Map.of(A, 1L)), "two"), 0, out);
        c.receive(A, new RelayMessage.Data<>(Dot.of(A, 3), VersionVector.of(Map.of(A, 2L)), "three"), 0, out);
        assertThat(out.deliveries()).isEmpty();
        assertThat(c.gauges().get(Broadcasts.GAUGE_HOLD_BACK_MESSAGES)).isEqualTo(2);
        // A state transfer included everything up to a:2.
        c.skipTo(VersionVector.of(Map.of(A, 2L)), out);
        assertThat(out.deliveries()).extracting(CollectingOutbox.Delivery::payload).containsExactly("three");
        assertThat(c.delivered().get(A)).isEqualTo(3);
        assertThat(c.gauges().get(Broadcasts.GAUGE_HOLD_BACK_MESSAGES)).isZero();
    }

    @Test
    void aLongRunHeldBackBehindOneGap_isDeliveredInOrderWhenTheGapFills() {
        int held = 20_000;
        CausalStream<String> c = Broadcasts.causalStream(C, ALL, 100, held, VersionVector.empty());
        CollectingOutbox<RelayMessage<String>, String> out = new CollectingOutbox<>();
        for (long counter = 2; counter <= held + 1; counter++) {
            c.receive(A, new RelayMessage.Data<>(Dot.of(A, counter), VersionVector.of(Map.of(A, counter - 1)), "m" + counter), 0, out);
        }
        assertThat(out.deliveries()).isEmpty();
        assertThat(c.gauges().get(Broadcasts.GAUGE_HOLD_BACK_MESSAGES)).isEqualTo(held);
        c.receive(A, new RelayMessage.Data<>(Dot.of(A, 1), VersionVector.empty(), "m1"), 0, out);
        assertThat(out.deliveries()).hasSize(held + 1);
        for (int i = 0; i <= held; i++) {
            assertThat(out.deliveries().get(i).id()).isEqualTo(Dot.of(A, i + 1));
        }
        assertThat(c.gauges().get(Broadcasts.GAUGE_HOLD_BACK_MESSAGES)).isZero();
    }
}
