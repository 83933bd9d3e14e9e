package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The worked examples of the lesson texts in {@code shared/seeds}, as executable checks. */
class SeedExamplesTest {
    private static final ReplicaId A = ReplicaId.of("A");
    private static final ReplicaId B = ReplicaId.of("B");
    private static final ReplicaId C = ReplicaId.of("C");

    @Test
    void gCounter_twoIncrementsAtAAndOneAtB_mergeToThreeInEitherOrderAndIdempotently() {
        GCounter atA = new GCounter();
        atA.increment(A);
        atA.increment(A);
        GCounter atB = new GCounter();
        atB.increment(B);

        GCounter aThenB = atA.copy().merge(atB);
        GCounter bThenA = atB.copy().merge(atA);
        assertThat(aThenB.slots()).isEqualTo(Map.of(A, 2L, B, 1L));
        assertThat(aThenB.value()).isEqualTo(3);
        assertThat(bThenA).isEqualTo(aThenB);
        assertThat(aThenB.copy().merge(atB).merge(atA)).isEqualTo(aThenB);
        assertThat(aThenB.copy().merge(aThenB)).isEqualTo(aThenB);
    }

    @Test
    void pnCounter_threeIncrementsAtAAndOneDecrementAtB_giveTwo() {
        PNCounter atA = new PNCounter();
        atA.increment(A);
        atA.increment(A);
        atA.increment(A);
        PNCounter atB = new PNCounter();
        atB.decrement(B);

        PNCounter merged = atA.copy().merge(atB);
        assertThat(merged.increments()).isEqualTo(Map.of(A, 3L));
        assertThat(merged.decrements()).isEqualTo(Map.of(B, 1L));
        assertThat(merged.value()).isEqualTo(2);
        assertThat(atB.copy().merge(atA)).isEqualTo(merged);
    }

    @Test
    void quickCheck_fiveIncrementsThreeDecrementsTwoIncrements_giveFour() {
        PNCounter atA = new PNCounter();
        PNCounter atB = new PNCounter();
        PNCounter atC = new PNCounter();
        PNCounter[] everyDelta = new PNCounter[10];
        int d = 0;
        for (int i = 0; i < 5; i++) {
            everyDelta[d++] = atA.increment(A);
        }
        for (int i = 0; i < 3; i++) {
            everyDelta[d++] = atB.decrement(B);
        }
        for (int i = 0; i < 2; i++) {
            everyDelta[d++] = atC.increment(C);
        }
        PNCounter fullMerge = atA.copy().merge(atB).merge(atC);
        assertThat(fullMerge.value()).isEqualTo(4);
        // The same result from the deltas alone, delivered newest first.
        PNCounter fromDeltas = new PNCounter();
        for (int i = everyDelta.length - 1; i >= 0; i--) {
            fromDeltas.merge(everyDelta[i]);
        }
        assertThat(fromDeltas).isEqualTo(fullMerge);
    }

    @Test
    void lwwRegister_concurrentWrites_keepTheLaterOneAndLoseTheOther() {
        LwwRegister<String> atA = new LwwRegister<>();
        LwwRegister<String> atB = new LwwRegister<>();
        atA.set(A, "Alice", new HlcTimestamp(1_000, 0));
        atB.set(B, "Bob", new HlcTimestamp(1_001, 0));

        LwwRegister<String> mergedAtA = atA.copy().merge(atB);
        LwwRegister<String> mergedAtB = atB.copy().merge(atA);
        assertThat(mergedAtA.value()).contains("Bob");
        assertThat(mergedAtB).isEqualTo(mergedAtA);
        // "Alice" has left no trace: not in the value, not in the encoded state.
        assertThat(mergedAtA.toString()).doesNotContain("Alice");
        assertThat(new String(Codecs.encode(LwwRegister.codec(ValueCodec.STRING), mergedAtA), java.nio.charset.StandardCharsets.UTF_8))
                .doesNotContain("Alice");
    }
}
