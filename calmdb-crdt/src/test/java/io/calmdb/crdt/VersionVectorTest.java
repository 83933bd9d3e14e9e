package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VersionVectorTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");

    /** A vector over (A, B, C), written as the seed writes them: [a, b, c]. */
    private static VersionVector vv(long a, long b, long c) {
        Map<ReplicaId, Long> entries = new LinkedHashMap<>();
        entries.put(A, a);
        entries.put(B, b);
        entries.put(C, c);
        return VersionVector.of(entries);
    }

    /**
     * The causal delivery rule: a message from {@code sender} carrying {@code message} is deliverable at a
     * replica whose vector is {@code local} when it is the sender's next message and everything else it depends
     * on has been delivered.
     */
    private static boolean deliverable(VersionVector local, VersionVector message, ReplicaId sender) {
        boolean nextFromSender = message.get(sender) == local.get(sender) + 1;
        boolean dependenciesDelivered = local.dominates(message.with(sender, local.get(sender)));
        return nextFromSender && dependenciesDelivered;
    }

    @Test
    void seedTrace_m1IsBeforeM2AndBothAreConcurrentWithM3() {
        VersionVector m1 = vv(1, 0, 0);
        VersionVector m2 = vv(1, 1, 0);
        VersionVector m3 = vv(0, 0, 1);
        assertThat(m1.compare(m2)).isEqualTo(VersionVector.Order.BEFORE);
        assertThat(m2.compare(m1)).isEqualTo(VersionVector.Order.AFTER);
        assertThat(m1.compare(m3)).isEqualTo(VersionVector.Order.CONCURRENT);
        assertThat(m2.compare(m3)).isEqualTo(VersionVector.Order.CONCURRENT);
        assertThat(m3.compare(m2)).isEqualTo(VersionVector.Order.CONCURRENT);
    }

    @Test
    void seedTrace_vectorsEvolveByMergeThenIncrement() {
        VersionVector atA = VersionVector.empty().increment(A);
        VersionVector atB = VersionVector.empty().merge(atA).increment(B);
        VersionVector atC = VersionVector.empty().increment(C);
        assertThat(atA).isEqualTo(vv(1, 0, 0));
        assertThat(atB).isEqualTo(vv(1, 1, 0));
        assertThat(atC).isEqualTo(vv(0, 0, 1));
    }

    @Test
    void seedDeliveryCheck_bAt131CanDeliverAMessageFromAAt201() {
        // The message is A's second (B has seen one) and depends on C's first, which B has: deliverable now.
        assertThat(deliverable(vv(1, 3, 1), vv(2, 0, 1), A)).isTrue();
    }

    @Test
    void deliveryCheck_buffersAMessageWithAMissingDependencyOrAGap() {
        // Depends on C's second event, which B has not delivered.
        assertThat(deliverable(vv(1, 3, 1), vv(2, 0, 2), A)).isFalse();
        // Skips A's second message.
        assertThat(deliverable(vv(1, 3, 1), vv(3, 0, 1), A)).isFalse();
        // Already delivered.
        assertThat(deliverable(vv(1, 3, 1), vv(1, 0, 0), A)).isFalse();
    }

    @Test
    void equalVectors_compareEqualAndDominateEachOther() {
        assertThat(vv(1, 2, 3).compare(vv(1, 2, 3))).isEqualTo(VersionVector.Order.EQUAL);
        assertThat(vv(1, 2, 3).dominates(vv(1, 2, 3))).isTrue();
        assertThat(VersionVector.empty().compare(VersionVector.empty())).isEqualTo(VersionVector.Order.EQUAL);
        assertThat(VersionVector.empty().compare(vv(0, 0, 1))).isEqualTo(VersionVector.Order.BEFORE);
    }

    @Test
    void dominates_isFalseForConcurrentAndLaterVectors() {
        assertThat(vv(1, 0, 0).dominates(vv(0, 0, 1))).isFalse();
        assertThat(vv(1, 0, 0).dominates(vv(1, 1, 0))).isFalse();
        assertThat(vv(1, 1, 0).dominates(vv(1, 0, 0))).isTrue();
    }

    @Test
    void zeroEntries_areNotStored_soEqualKnowledgeMeansEqualVectors() {
        assertThat(vv(1, 0, 0)).isEqualTo(VersionVector.empty().increment(A)).hasSameHashCodeAs(VersionVector.empty().increment(A));
        assertThat(vv(1, 0, 0).size()).isEqualTo(1);
        assertThat(vv(1, 5, 0).with(B, 0)).isEqualTo(vv(1, 0, 0));
        assertThat(vv(0, 0, 0).isEmpty()).isTrue();
    }

    @Test
    void merge_isThePointwiseMaximumAndALatticeJoin() {
        assertThat(vv(1, 4, 0).merge(vv(2, 1, 3))).isEqualTo(vv(2, 4, 3));
        long seed = 17;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 500; i++) {
            VersionVector x = vv(random.nextInt(3), random.nextInt(3), random.nextInt(3));
            VersionVector y = vv(random.nextInt(3), random.nextInt(3), random.nextInt(3));
            VersionVector z = vv(random.nextInt(3), random.nextInt(3), random.nextInt(3));
            assertThat(x.merge(y)).as("seed %d case %d", seed, i).isEqualTo(y.merge(x));
            assertThat(x.merge(y).merge(z)).isEqualTo(x.merge(y.merge(z)));
            assertThat(x.merge(x)).isEqualTo(x);
            assertThat(x.merge(y).dominates(x) && x.merge(y).dominates(y)).isTrue();
            // compare agrees with the definition.
            VersionVector.Order expected = x.equals(y) ? VersionVector.Order.EQUAL
                    : y.merge(x).equals(y) ? VersionVector.Order.BEFORE
                    : x.merge(y).equals(x) ? VersionVector.Order.AFTER : VersionVector.Order.CONCURRENT;
            assertThat(x.compare(y)).as("%s vs %s", x, y).isEqualTo(expected);
        }
    }

    @Test
    void merge_andWith_neverChangeTheOriginal() {
        VersionVector original = vv(1, 1, 0);
        original.merge(vv(5, 5, 5));
        original.with(C, 9);
        original.increment(A);
        assertThat(original).isEqualTo(vv(1, 1, 0));
    }

    @Test
    void contains_getAndTotal() {
        VersionVector vector = vv(2, 0, 7);
        assertThat(vector.contains(Dot.of(A, 2))).isTrue();
        assertThat(vector.contains(Dot.of(A, 3))).isFalse();
        assertThat(vector.contains(Dot.of(B, 1))).isFalse();
        assertThat(vector.get(B)).isZero();
        assertThat(vector.total()).isEqualTo(9);
        assertThat(vector.asMap().keySet()).containsExactly(A, C);
        assertThat(vector).hasToString("[a:2, c:7]");
    }

    @Test
    void entriesAreKeptInReplicaOrderWhateverTheInsertionOrder() {
        VersionVector vector = VersionVector.empty().with(C, 1).with(A, 1).with(B, 1);
        assertThat(vector.asMap().keySet()).containsExactly(A, B, C);
        StringBuilder visited = new StringBuilder();
        vector.forEach((replica, counter) -> visited.append(replica.name()));
        assertThat(visited).hasToString("abc");
        assertThat(List.copyOf(vector.asMap().keySet())).isSorted();
    }

    @Test
    void with_rejectsNegativeAndOversizedCounters() {
        assertThatThrownBy(() -> VersionVector.empty().with(A, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("counter");
        assertThatThrownBy(() -> VersionVector.empty().with(A, Dot.COUNTER_MAX + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VersionVector.empty().with(A, Dot.COUNTER_MAX).increment(A)).isInstanceOf(IllegalArgumentException.class);
    }
}
