package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CausalContextTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    @Test
    void outOfOrderDots_waitInTheCloudUntilTheGapCloses() {
        CausalContext context = CausalContext.ofDots(List.of(Dot.of(A, 1), Dot.of(A, 2), Dot.of(A, 4)));
        assertThat(context.versionVector()).isEqualTo(VersionVector.of(Map.of(A, 2L)));
        assertThat(context.cloud()).containsExactly(Dot.of(A, 4));
        assertThat(context.add(Dot.of(A, 3))).isTrue();
        assertThat(context.versionVector()).isEqualTo(VersionVector.of(Map.of(A, 4L)));
        assertThat(context.cloud()).isEmpty();
    }

    @Test
    void closingAGap_foldsTheWholeContiguousRun() {
        CausalContext context = CausalContext.ofDots(List.of(Dot.of(A, 3), Dot.of(A, 4), Dot.of(A, 6), Dot.of(A, 2)));
        assertThat(context.cloud()).containsExactly(Dot.of(A, 2), Dot.of(A, 3), Dot.of(A, 4), Dot.of(A, 6));
        context.add(Dot.of(A, 1));
        assertThat(context.versionVector().get(A)).isEqualTo(4);
        assertThat(context.cloud()).containsExactly(Dot.of(A, 6));
        assertThat(context).hasToString("[a:4] + [a:6]");
    }

    @Test
    void add_reportsWhetherTheDotWasNew() {
        CausalContext context = new CausalContext();
        assertThat(context.add(Dot.of(A, 1))).isTrue();
        assertThat(context.add(Dot.of(A, 1))).isFalse();
        assertThat(context.add(Dot.of(A, 5))).isTrue();
        assertThat(context.add(Dot.of(A, 5))).isFalse();
        assertThat(context.dotCount()).isEqualTo(2);
    }

    @Test
    void contains_coversTheVectorAndTheCloud() {
        CausalContext context = CausalContext.ofDots(List.of(Dot.of(A, 1), Dot.of(A, 3), Dot.of(B, 2)));
        assertThat(context.contains(Dot.of(A, 1))).isTrue();
        assertThat(context.contains(Dot.of(A, 2))).isFalse();
        assertThat(context.contains(Dot.of(A, 3))).isTrue();
        assertThat(context.contains(Dot.of(B, 1))).isFalse();
        assertThat(context.contains(Dot.of(B, 2))).isTrue();
        assertThat(context.contains(Dot.of(ReplicaId.of("z"), 1))).isFalse();
    }

    @Test
    void nextDot_isOneAboveTheHighestSeenIncludingTheCloud() {
        CausalContext context = CausalContext.ofDots(List.of(Dot.of(A, 1), Dot.of(A, 5)));
        assertThat(context.nextDot(A)).isEqualTo(Dot.of(A, 6));
        assertThat(context.nextDot(B)).isEqualTo(Dot.of(B, 1));
        assertThat(context.max(A)).isEqualTo(5);
        CausalContext full = CausalContext.of(VersionVector.empty().with(A, Dot.COUNTER_MAX));
        assertThatThrownBy(() -> full.nextDot(A)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exhausted");
    }

    @Test
    void merge_isTheSetUnionAndCompacts() {
        CausalContext left = CausalContext.ofDots(List.of(Dot.of(A, 1), Dot.of(A, 3)));
        CausalContext right = CausalContext.ofDots(List.of(Dot.of(A, 2), Dot.of(B, 2)));
        left.merge(right);
        assertThat(left.versionVector()).isEqualTo(VersionVector.of(Map.of(A, 3L)));
        assertThat(left.cloud()).containsExactly(Dot.of(B, 2));
        assertThat(right.cloud()).containsExactly(Dot.of(A, 2), Dot.of(B, 2));
        assertThat(right.contains(Dot.of(A, 1))).isFalse();
    }

    @Test
    void includes_comparesSeenDotsNotJustVectors() {
        CausalContext big = CausalContext.ofDots(List.of(Dot.of(A, 1), Dot.of(A, 3), Dot.of(A, 4)));
        assertThat(big.includes(CausalContext.ofDots(List.of(Dot.of(A, 3))))).isTrue();
        assertThat(big.includes(CausalContext.ofDots(List.of(Dot.of(A, 2))))).isFalse();
        assertThat(big.includes(CausalContext.of(VersionVector.of(Map.of(A, 2L))))).isFalse();
        assertThat(big.includes(CausalContext.of(VersionVector.of(Map.of(A, 1L))))).isTrue();
        assertThat(big.includes(CausalContext.ofDots(List.of(Dot.of(B, 1))))).isFalse();
        assertThat(big.includes(new CausalContext())).isTrue();
        assertThat(new CausalContext().includes(big)).isFalse();
        // A vector entry covered entirely by the other's cloud is included.
        CausalContext clouded = CausalContext.ofDots(List.of(Dot.of(A, 2), Dot.of(A, 3), Dot.of(A, 5)));
        clouded.add(Dot.of(A, 1));
        assertThat(clouded.includes(CausalContext.of(VersionVector.of(Map.of(A, 3L))))).isTrue();
    }

    @Test
    void randomInsertionOrders_matchASetOracleAndEncodeTheSameKnowledgeIdentically() {
        long seed = 1_234_567;
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 300; round++) {
            List<Dot> dots = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                dots.add(Dot.of(random.nextBoolean() ? A : B, 1 + random.nextInt(12)));
            }
            TreeSet<Dot> oracle = new TreeSet<>(dots);
            CausalContext forward = CausalContext.ofDots(dots);
            List<Dot> shuffled = new ArrayList<>(dots);
            for (int i = shuffled.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Dot swap = shuffled.get(i);
                shuffled.set(i, shuffled.get(j));
                shuffled.set(j, swap);
            }
            CausalContext backward = new CausalContext();
            int half = shuffled.size() / 2;
            backward.merge(CausalContext.ofDots(shuffled.subList(0, half))).merge(CausalContext.ofDots(shuffled.subList(half, shuffled.size())));
            assertThat(forward).as("seed %d round %d", seed, round).isEqualTo(backward).hasSameHashCodeAs(backward);
            assertThat(forward.dotCount()).isEqualTo(oracle.size());
            List<Dot> visited = new ArrayList<>();
            forward.forEachDot(visited::add);
            assertThat(visited).containsExactlyElementsOf(oracle);
            for (ReplicaId replica : List.of(A, B)) {
                for (long counter = 1; counter <= 13; counter++) {
                    assertThat(forward.contains(replica, counter)).isEqualTo(oracle.contains(Dot.of(replica, counter)));
                }
            }
            // Compaction invariant: no cloud dot sits right above the vector entry.
            for (Dot cloudDot : forward.cloud()) {
                assertThat(cloudDot.counter()).isGreaterThan(forward.versionVector().get(cloudDot.replica()) + 1);
            }
            assertThat(forward.includes(backward) && backward.includes(forward)).isTrue();
        }
    }

    @Test
    void copy_isIndependent() {
        CausalContext context = CausalContext.ofDots(List.of(Dot.of(A, 1), Dot.of(A, 3)));
        CausalContext copy = context.copy();
        context.add(Dot.of(A, 2));
        context.add(Dot.of(B, 9));
        assertThat(copy.cloud()).containsExactly(Dot.of(A, 3));
        assertThat(copy.replicas()).containsExactly(A);
        assertThat(copy).isNotEqualTo(context);
    }

    @Test
    void merge_ofLargeScatteredClouds_equalsTheUnionOfTheirDots() {
        for (long seed = 1; seed <= 50; seed++) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
            ReplicaId[] replicas = {ReplicaId.of("a"), ReplicaId.of("b"), ReplicaId.of("c")};
            java.util.Set<Dot> expected = new java.util.HashSet<>();
            CausalContext merged = new CausalContext();
            for (int part = 0; part < 5; part++) {
                CausalContext piece = new CausalContext();
                for (int d = 0; d < 2_000; d++) {
                    Dot dot = Dot.of(replicas[random.nextInt(3)], 1 + random.nextInt(5_000));
                    piece.add(dot);
                    expected.add(dot);
                }
                merged.merge(piece);
            }
            CausalContext oneByOne = CausalContext.ofDots(expected);
            assertThat(merged).as("seed %d", seed).isEqualTo(oneByOne);
            assertThat(merged.dotCount()).as("seed %d", seed).isEqualTo(expected.size());
        }
    }
    @Test
    void addUnordered_endsEqualToAddingOneByOne_whateverReadsComeBetween() {
        ReplicaId[] replicas = {A, B, ReplicaId.of("c")};
        for (long seed = 1; seed <= 200; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            CausalContext exact = new CausalContext();
            CausalContext buffered = new CausalContext();
            for (int d = 0; d < 400; d++) {
                ReplicaId replica = replicas[random.nextInt(replicas.length)];
                long counter = 1 + random.nextInt(300);
                exact.add(replica, counter);
                buffered.addUnordered(replica, counter);
                if (random.nextInt(25) == 0) {
                    // A read in the middle settles the buffer; later dots buffer again.
                    long probe = 1 + random.nextInt(300);
                    assertThat(buffered.contains(replica, probe)).as("seed %d", seed).isEqualTo(exact.contains(replica, probe));
                    assertThat(buffered.max(replica)).as("seed %d", seed).isEqualTo(exact.max(replica));
                }
                if (random.nextInt(100) == 0) {
                    CausalContext other = CausalContext.ofDots(List.of(Dot.of(replica, 1 + random.nextInt(300))));
                    exact.merge(other);
                    buffered.merge(other);
                }
            }
            assertThat(buffered).as("seed %d", seed).isEqualTo(exact);
            assertThat(buffered.hashCode()).as("seed %d", seed).isEqualTo(exact.hashCode());
            assertThat(buffered.encode()).as("seed %d", seed).isEqualTo(exact.encode());
        }
    }

    @Test
    void addUnordered_ofAContiguousRunInReverse_compactsToOneBase() {
        CausalContext context = new CausalContext();
        for (long counter = 10_000; counter >= 1; counter--) {
            context.addUnordered(A, counter);
        }
        assertThat(context.versionVector()).isEqualTo(VersionVector.of(Map.of(A, 10_000L)));
        assertThat(context.cloud()).isEmpty();
    }
}
