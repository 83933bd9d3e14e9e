package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PNCounterTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");

    private static PNCounter counter(long[] increments, long[] decrements) {
        PNCounter counter = new PNCounter();
        ReplicaId[] replicas = {A, B, C};
        for (int i = 0; i < replicas.length; i++) {
            if (increments[i] > 0) {
                counter.increment(replicas[i], increments[i]);
            }
            if (decrements[i] > 0) {
                counter.decrement(replicas[i], decrements[i]);
            }
        }
        return counter;
    }

    private static PNCounter randomCounter(SplittableRandom random) {
        long[] increments = new long[3];
        long[] decrements = new long[3];
        for (int i = 0; i < 3; i++) {
            increments[i] = random.nextInt(4) == 0 ? 0 : random.nextLong(1, 1_000);
            decrements[i] = random.nextInt(4) == 0 ? 0 : random.nextLong(1, 1_000);
        }
        return counter(increments, decrements);
    }

    @Test
    void newCounter_isZeroWithNoSlots() {
        PNCounter counter = new PNCounter();
        assertThat(counter.value()).isZero();
        assertThat(counter.increments()).isEmpty();
        assertThat(counter.decrements()).isEmpty();
    }

    @Test
    void value_isIncrementsMinusDecrementsAndMayGoNegative() {
        PNCounter counter = new PNCounter();
        counter.increment(A, 2);
        counter.decrement(B, 5);
        assertThat(counter.value()).isEqualTo(-3);
        assertThat(counter.increments()).isEqualTo(Map.of(A, 2L));
        assertThat(counter.decrements()).isEqualTo(Map.of(B, 5L));
    }

    @Test
    void mutators_returnDeltasHoldingOnlyTheChangedSlot() {
        PNCounter counter = new PNCounter();
        counter.increment(A, 4);
        PNCounter delta = counter.decrement(A, 3);
        assertThat(delta.increments()).isEmpty();
        assertThat(delta.decrements()).isEqualTo(Map.of(A, 3L));
        PNCounter incrementDelta = counter.increment(A);
        assertThat(incrementDelta.increments()).isEqualTo(Map.of(A, 5L));
        assertThat(incrementDelta.decrements()).isEmpty();
    }

    @Test
    void applyingADelta_equalsApplyingTheMutation() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200; i++) {
            PNCounter origin = randomCounter(random);
            PNCounter replica = origin.copy();
            ReplicaId who = new ReplicaId[] {A, B, C}[random.nextInt(3)];
            long amount = random.nextLong(1, 100);
            PNCounter delta = random.nextBoolean() ? origin.increment(who, amount) : origin.decrement(who, amount);
            assertThat(replica.merge(delta)).as("case %d", i).isEqualTo(origin);
        }
    }

    @Test
    void merge_isCommutativeAssociativeAndIdempotent() {
        long seed = 7;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 200; i++) {
            PNCounter x = randomCounter(random);
            PNCounter y = randomCounter(random);
            PNCounter z = randomCounter(random);
            assertThat(x.copy().merge(y)).as("seed %d case %d", seed, i).isEqualTo(y.copy().merge(x));
            assertThat(x.copy().merge(y).merge(z)).isEqualTo(x.copy().merge(y.copy().merge(z)));
            assertThat(x.copy().merge(x)).isEqualTo(x);
            assertThat(x.copy().merge(x.copy())).isEqualTo(x);
        }
    }

    @Test
    void merge_doesNotRetainTheOtherState() {
        PNCounter left = new PNCounter();
        PNCounter right = new PNCounter();
        right.increment(B, 2);
        left.merge(right);
        right.increment(B, 5);
        assertThat(left.value()).isEqualTo(2);
    }

    @Test
    void copy_isIndependent() {
        PNCounter counter = counter(new long[] {1, 0, 0}, new long[] {0, 0, 0});
        PNCounter copy = counter.copy();
        counter.decrement(A, 9);
        assertThat(copy.value()).isEqualTo(1);
    }

    @Test
    void value_isExactWhenOnlyThePartialSumsOverflow() {
        PNCounter counter = new PNCounter();
        counter.increment(A, Long.MAX_VALUE);
        counter.increment(B, 10);
        counter.decrement(C, 20);
        assertThat(counter.value()).isEqualTo(Long.MAX_VALUE - 10);
    }

    @Test
    void value_throwsWhenTheExactResultDoesNotFit() {
        PNCounter counter = new PNCounter();
        counter.increment(A, Long.MAX_VALUE);
        counter.increment(B, 1);
        assertThatThrownBy(counter::value).isInstanceOf(ArithmeticException.class);
        assertThat(counter.toString()).contains("beyond 64 bits");
    }

    @Test
    void increment_whenTheSlotWouldOverflow_leavesTheStateUnchanged() {
        PNCounter counter = new PNCounter();
        counter.decrement(A, Long.MAX_VALUE);
        PNCounter before = counter.copy();
        assertThatThrownBy(() -> counter.decrement(A, 1)).isInstanceOf(ArithmeticException.class);
        assertThat(counter).isEqualTo(before);
    }

    @Test
    void mutators_rejectNonPositiveAmountsAndNullReplicas() {
        PNCounter counter = new PNCounter();
        assertThatThrownBy(() -> counter.increment(A, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("amount");
        assertThatThrownBy(() -> counter.decrement(A, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("amount");
        assertThatThrownBy(() -> counter.increment(null, 1)).isInstanceOf(NullPointerException.class).hasMessageContaining("replica");
    }

    @Test
    void equalsAndHashCode_followSemanticState() {
        PNCounter x = new PNCounter();
        x.increment(A, 2);
        x.decrement(B, 1);
        PNCounter y = new PNCounter();
        y.decrement(B, 1);
        y.increment(A, 1);
        y.increment(A, 1);
        assertThat(x).isEqualTo(y).hasSameHashCodeAs(y);
        // Same value, different slots: not the same state.
        PNCounter z = new PNCounter();
        z.increment(C, 1);
        assertThat(z.value()).isEqualTo(x.value());
        assertThat(z).isNotEqualTo(x);
        assertThat(x.toString()).isEqualTo("PNCounter{P={a=2}, N={b=1}} = 1");
    }

    @Test
    void codec_roundTripsAndReencodesToTheSameBytes() throws CodecException {
        CodecRoundTrip.assertRoundTrip(PNCounter.codec(), new PNCounter());
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100; i++) {
            CodecRoundTrip.assertRoundTrip(PNCounter.codec(), randomCounter(random));
        }
        PNCounter extreme = new PNCounter();
        extreme.increment(A, Long.MAX_VALUE);
        extreme.decrement(A, Long.MAX_VALUE);
        CodecRoundTrip.assertRoundTrip(PNCounter.codec(), extreme);
    }

    @Test
    void codec_writesTheDocumentedLayout() {
        PNCounter counter = new PNCounter();
        counter.increment(A, 3);
        counter.decrement(B, 1);
        byte[] expected = {(byte) CodecLimits.FORMAT_VERSION, (byte) CrdtType.PN_COUNTER.tag(),
            1, 1, 'a', 3, 1, 1, 'b', 1};
        assertThat(Codecs.encode(PNCounter.codec(), counter)).isEqualTo(expected);
    }

    @Test
    void codec_rejectsTruncatedAndCorruptBytes() {
        PNCounter counter = counter(new long[] {5, 0, 300}, new long[] {0, 7, 1});
        CodecRoundTrip.assertTruncationsRejected(PNCounter.codec(), counter);
        CodecRoundTrip.assertCorruptionsFailCleanly(PNCounter.codec(), counter, 1234, 2_000);
    }

    @Test
    void codec_rejectsDecreasingReplicaOrderDuplicatesAndZeroSlots() {
        byte[] header = {(byte) CodecLimits.FORMAT_VERSION, (byte) CrdtType.PN_COUNTER.tag()};
        byte[] decreasing = concat(header, new byte[] {2, 1, 'b', 1, 1, 'a', 1, 0});
        byte[] duplicate = concat(header, new byte[] {2, 1, 'a', 1, 1, 'a', 1, 0});
        byte[] zeroSlot = concat(header, new byte[] {0, 1, 1, 'a', 0});
        assertThatThrownBy(() -> Codecs.decode(PNCounter.codec(), decreasing))
                .isInstanceOf(CodecException.class).hasMessageContaining("increasing replica order");
        assertThatThrownBy(() -> Codecs.decode(PNCounter.codec(), duplicate)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> Codecs.decode(PNCounter.codec(), zeroSlot))
                .isInstanceOf(CodecException.class).hasMessageContaining("outside");
    }

    @Test
    void codec_rejectsHugeCountsWithoutAllocating() {
        byte[] header = {(byte) CodecLimits.FORMAT_VERSION, (byte) CrdtType.PN_COUNTER.tag()};
        byte[] huge = concat(header, new ByteWriter().writeVarLong(CodecLimits.REPLICAS_MAX).toByteArray());
        byte[] beyondBound = concat(header, new ByteWriter().writeVarLong(1L << 40).toByteArray());
        byte[] negative = concat(header, new ByteWriter().writeVarLong(-1).toByteArray());
        assertThatThrownBy(() -> Codecs.decode(PNCounter.codec(), huge)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> Codecs.decode(PNCounter.codec(), beyondBound)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> Codecs.decode(PNCounter.codec(), negative)).isInstanceOf(CodecException.class);
    }

    @Test
    void codec_rejectsAnotherTypesTagAndTrailingBytes() {
        PNCounter counter = counter(new long[] {1, 0, 0}, new long[] {0, 0, 0});
        byte[] encoded = Codecs.encode(PNCounter.codec(), counter);
        byte[] wrongTag = encoded.clone();
        wrongTag[1] = (byte) CrdtType.G_COUNTER.tag();
        assertThatThrownBy(() -> Codecs.decode(PNCounter.codec(), wrongTag)).isInstanceOf(CodecException.class);
        byte[] trailing = concat(encoded, new byte[] {0});
        assertThatThrownBy(() -> Codecs.decode(PNCounter.codec(), trailing))
                .isInstanceOf(CodecException.class).hasMessageContaining("trailing");
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] out = new byte[first.length + second.length];
        System.arraycopy(first, 0, out, 0, first.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }
}
