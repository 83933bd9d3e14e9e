package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GCounterTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final byte[] HEADER = {(byte) CodecLimits.FORMAT_VERSION, (byte) CrdtType.G_COUNTER.tag()};

    @Test
    void increment_returnsTheSlotAtItsNewValueAsTheDelta() {
        GCounter counter = new GCounter();
        counter.increment(A, 4);
        GCounter delta = counter.increment(A);
        assertThat(delta.slots()).isEqualTo(Map.of(A, 5L));
        GCounter replica = new GCounter().merge(delta);
        assertThat(replica.value()).isEqualTo(5);
    }

    @Test
    void equalIdsThatAreDifferentObjects_shareOneSlot() {
        GCounter counter = new GCounter();
        counter.increment(ReplicaId.of("a"));
        counter.increment(ReplicaId.of("a"));
        assertThat(counter.slots()).isEqualTo(Map.of(A, 2L));
    }

    @Test
    void codec_roundTripsRandomCountersWithManyReplicas() throws CodecException {
        SplittableRandom random = new SplittableRandom(64);
        for (int i = 0; i < 50; i++) {
            GCounter counter = new GCounter();
            int replicas = random.nextInt(20);
            for (int r = 0; r < replicas; r++) {
                counter.increment(ReplicaId.of("r" + random.nextInt(30)), 1 + random.nextLong(Long.MAX_VALUE / 64));
            }
            CodecRoundTrip.assertRoundTrip(GCounter.codec(), counter);
        }
    }

    @Test
    void codec_rejectsTruncatedCorruptAndNonCanonicalBytes() {
        GCounter counter = new GCounter();
        counter.increment(A, 300);
        counter.increment(B, 2);
        CodecRoundTrip.assertTruncationsRejected(GCounter.codec(), counter);
        CodecRoundTrip.assertCorruptionsFailCleanly(GCounter.codec(), counter, 9, 2_000);
        byte[] decreasing = PNCounterTest.concat(HEADER, new byte[] {2, 1, 'b', 1, 1, 'a', 1});
        byte[] zero = PNCounterTest.concat(HEADER, new byte[] {1, 1, 'a', 0});
        byte[] hugeCount = PNCounterTest.concat(HEADER, new ByteWriter().writeVarLong(-1).toByteArray());
        assertThatThrownBy(() -> Codecs.decode(GCounter.codec(), decreasing)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> Codecs.decode(GCounter.codec(), zero)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> Codecs.decode(GCounter.codec(), hugeCount)).isInstanceOf(CodecException.class);
    }
}
