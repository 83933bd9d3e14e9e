package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BoundedCounterTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final ReplicaId D = ReplicaId.of("d");
    private static final ReplicaId[] REPLICAS = {A, B, C, D};
    private static final byte[] HEADER = {(byte) CodecLimits.FORMAT_VERSION, (byte) CrdtType.BOUNDED_COUNTER.tag()};

    private static void assertInvariant(BoundedCounter state, String context) {
        for (Map.Entry<ReplicaId, Long> rights : state.rightsByReplica().entrySet()) {
            assertThat(rights.getValue()).as("%s: rights of %s in %s", context, rights.getKey(), state).isNotNegative();
            assertThat(state.rights(rights.getKey())).isEqualTo(rights.getValue());
        }
        assertThat(state.value()).as("%s: value of %s", context, state).isNotNegative();
    }

    @Test
    void classExample_incrementTransferDecrement() throws InsufficientRightsException {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, 10);
        counter.transfer(A, B, 4);
        counter.decrement(B, 3);
        assertThat(counter.rights(A)).isEqualTo(6);
        assertThat(counter.rights(B)).isEqualTo(1);
        assertThat(counter.rights(C)).isZero();
        assertThat(counter.value()).isEqualTo(7);
        assertThat(counter.rightsMatrix()).isEqualTo(Map.of(A, Map.of(A, 10L, B, 4L)));
        assertThat(counter.used()).isEqualTo(Map.of(B, 3L));
        assertThat(counter.rightsByReplica()).isEqualTo(Map.of(A, 6L, B, 1L));
    }

    @Test
    void decrement_beyondLocalRights_isRefusedAndLeavesTheStateUnchanged() {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, 5);
        counter.increment(B, 2);
        BoundedCounter before = counter.copy();
        // The value is 7 but B holds only 2 of it.
        assertThatThrownBy(() -> counter.decrement(B, 3))
                .isInstanceOfSatisfying(InsufficientRightsException.class, e -> {
                    assertThat(e.replica()).isEqualTo(B);
                    assertThat(e.requested()).isEqualTo(3);
                    assertThat(e.available()).isEqualTo(2);
                })
                .hasMessageContaining("replica b holds 2 rights, fewer than the 3 requested");
        assertThat(counter).isEqualTo(before);
    }

    @Test
    void transfer_beyondLocalRights_isRefused() {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, 5);
        assertThatThrownBy(() -> counter.transfer(A, B, 6)).isInstanceOf(InsufficientRightsException.class);
        assertThatThrownBy(() -> counter.transfer(B, A, 1)).isInstanceOf(InsufficientRightsException.class);
        assertThat(counter.rightsMatrix()).isEqualTo(Map.of(A, Map.of(A, 5L)));
    }

    @Test
    void transferredRights_canBeSpentByTheReceiverAfterTheDeltaArrives() throws InsufficientRightsException {
        BoundedCounter atA = new BoundedCounter();
        BoundedCounter atB = new BoundedCounter();
        atB.merge(atA.increment(A, 10));
        assertThatThrownBy(() -> atB.decrement(B, 1)).isInstanceOf(InsufficientRightsException.class);
        atB.merge(atA.transfer(A, B, 4));
        BoundedCounter decrement = atB.decrement(B, 4);
        atA.merge(decrement);
        assertThat(atA).isEqualTo(atB);
        assertThat(atA.value()).isEqualTo(6);
        assertThat(atA.rights(A)).isEqualTo(6);
        assertThat(atA.rights(B)).isZero();
    }

    @Test
    void incrementDelta_isTheSingleDiagonalEntry() {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, 3);
        BoundedCounter delta = counter.increment(A, 2);
        assertThat(delta.rightsMatrix()).isEqualTo(Map.of(A, Map.of(A, 5L)));
        assertThat(delta.used()).isEmpty();
    }

    @Test
    void decrementDelta_withoutReceivedRights_isOnlyTheReplicasOwnRow() throws InsufficientRightsException {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, 3);
        counter.increment(B, 7);
        BoundedCounter delta = counter.decrement(A, 1);
        assertThat(delta.rightsMatrix()).isEqualTo(Map.of(A, Map.of(A, 3L)));
        assertThat(delta.used()).isEqualTo(Map.of(A, 1L));
    }

    @Test
    void decrementDelta_carriesTheRowsThatJustifyTheRightsTransitively() throws InsufficientRightsException {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, 10);
        counter.increment(D, 1);
        counter.transfer(A, B, 6);
        counter.transfer(B, C, 2);
        BoundedCounter delta = counter.decrement(C, 2);
        // C's rights came from B, whose rights came from A; D gave C nothing and stays out.
        assertThat(delta.rightsMatrix()).isEqualTo(Map.of(A, Map.of(A, 10L, B, 6L), B, Map.of(C, 2L)));
        assertThat(delta.used()).isEqualTo(Map.of(C, 2L));
        assertInvariant(delta, "delta alone");
        // Delivered on its own to a replica that has seen nothing, it shows no negative rights.
        BoundedCounter fresh = new BoundedCounter().merge(delta);
        assertThat(fresh.value()).isEqualTo(8);
        assertInvariant(fresh, "fresh replica");
    }

    @Test
    void mutators_rejectBadArguments() {
        BoundedCounter counter = new BoundedCounter();
        assertThatThrownBy(() -> counter.increment(A, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("amount");
        assertThatThrownBy(() -> counter.decrement(A, -2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("amount");
        assertThatThrownBy(() -> counter.transfer(A, A, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("itself");
        assertThatThrownBy(() -> counter.transfer(A, null, 1)).isInstanceOf(NullPointerException.class).hasMessageContaining("to");
        assertThatThrownBy(() -> counter.increment(null, 1)).isInstanceOf(NullPointerException.class).hasMessageContaining("replica");
    }

    @Test
    void increment_beyondTheTotalThatFitsInALong_isRefusedAndLeavesTheStateUnchanged() {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, Long.MAX_VALUE - 1);
        BoundedCounter before = counter.copy();
        assertThatThrownBy(() -> counter.increment(B, 2)).isInstanceOf(ArithmeticException.class);
        assertThat(counter).isEqualTo(before);
        counter.increment(B, 1);
        assertThat(counter.value()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void merge_isCommutativeAssociativeAndIdempotentOnReachableStates() {
        long seed = 31;
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 200; i++) {
            List<BoundedCounter> states = new ArrayList<>();
            for (BoundedCounter state : randomRun(random, 3, 20).replicas) {
                states.add(state);
            }
            BoundedCounter x = states.get(0), y = states.get(1), z = states.get(2);
            assertThat(x.copy().merge(y)).as("seed %d case %d", seed, i).isEqualTo(y.copy().merge(x));
            assertThat(x.copy().merge(y).merge(z)).as("seed %d case %d", seed, i).isEqualTo(x.copy().merge(y.copy().merge(z)));
            assertThat(x.copy().merge(x.copy())).isEqualTo(x);
        }
    }

    @Test
    void applyingADelta_equalsApplyingTheMutation() throws InsufficientRightsException {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 300; i++) {
            BoundedCounter origin = randomRun(random, 3, 10).replicas[0];
            BoundedCounter replica = origin.copy();
            ReplicaId actor = REPLICAS[random.nextInt(3)];
            BoundedCounter delta;
            long rights = origin.rights(actor);
            switch (random.nextInt(3)) {
                case 0 -> delta = origin.increment(actor, 1 + random.nextInt(5));
                case 1 -> delta = rights > 0 ? origin.decrement(actor, 1 + random.nextLong(rights)) : origin.increment(actor);
                default -> delta = rights > 0 ? origin.transfer(actor, REPLICAS[3], 1 + random.nextLong(rights)) : origin.increment(actor);
            }
            assertThat(replica.merge(delta)).as("case %d", i).isEqualTo(origin);
        }
    }

    /** Replicas of a random run, and every delta it produced. */
    private record Run(BoundedCounter[] replicas, List<BoundedCounter> deltas, long incrementsTotal, long decrementsTotal) {}

    /**
     * Runs {@code operations} random operations at {@code replicaCount} replicas; each replica sometimes merges
     * a random earlier delta (in any order, with duplicates) before acting, so decrements and transfers act on
     * partial knowledge as they would across regions.
     */
    private static Run randomRun(SplittableRandom random, int replicaCount, int operations) {
        BoundedCounter[] replicas = new BoundedCounter[replicaCount];
        for (int r = 0; r < replicaCount; r++) {
            replicas[r] = new BoundedCounter();
        }
        List<BoundedCounter> deltas = new ArrayList<>();
        long incrementsTotal = 0, decrementsTotal = 0;
        for (int op = 0; op < operations; op++) {
            int r = random.nextInt(replicaCount);
            if (!deltas.isEmpty() && random.nextBoolean()) {
                replicas[r].merge(deltas.get(random.nextInt(deltas.size())));
            }
            ReplicaId actor = REPLICAS[r];
            long rights = replicas[r].rights(actor);
            try {
                int kind = random.nextInt(3);
                if (kind == 0 || rights == 0) {
                    long amount = 1 + random.nextInt(10);
                    deltas.add(replicas[r].increment(actor, amount));
                    incrementsTotal += amount;
                } else if (kind == 1) {
                    long amount = 1 + random.nextLong(rights);
                    deltas.add(replicas[r].decrement(actor, amount));
                    decrementsTotal += amount;
                } else {
                    int to = (r + 1 + random.nextInt(replicaCount - 1)) % replicaCount;
                    deltas.add(replicas[r].transfer(actor, REPLICAS[to], 1 + random.nextLong(rights)));
                }
            } catch (InsufficientRightsException e) {
                fail("an operation within the local rights was refused", e);
            }
        }
        return new Run(replicas, deltas, incrementsTotal, decrementsTotal);
    }

    @Test
    void randomOperations_deliveredInAnyOrderWithDuplicates_neverBreakTheInvariantAndConverge() throws CodecException {
        long seed = 0xB0C0_2015L;
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 300; round++) {
            int replicaCount = 3 + random.nextInt(2);
            Run run = randomRun(random, replicaCount, 40);
            for (BoundedCounter delta : run.deltas) {
                assertInvariant(delta, "seed " + seed + " round " + round + " delta");
                assertThat(Codecs.decode(BoundedCounter.codec(), Codecs.encode(BoundedCounter.codec(), delta))).isEqualTo(delta);
            }
            BoundedCounter expected = null;
            for (int observer = 0; observer < 3; observer++) {
                BoundedCounter state = new BoundedCounter();
                for (int delivery = 0; delivery < 2 * run.deltas.size(); delivery++) {
                    state.merge(run.deltas.get(random.nextInt(run.deltas.size())));
                    assertInvariant(state, "seed " + seed + " round " + round + " delivery " + delivery);
                }
                for (BoundedCounter delta : run.deltas) {
                    state.merge(delta);
                }
                for (BoundedCounter replica : run.replicas) {
                    state.merge(replica);
                }
                assertInvariant(state, "seed " + seed + " round " + round + " converged");
                assertThat(state.value()).as("seed %d round %d: the oracle's increments minus decrements", seed, round)
                        .isEqualTo(run.incrementsTotal - run.decrementsTotal);
                if (expected == null) {
                    expected = state;
                } else {
                    assertThat(Codecs.encode(BoundedCounter.codec(), state)).isEqualTo(Codecs.encode(BoundedCounter.codec(), expected));
                }
            }
        }
    }

    @Test
    void equalsHashCodeAndToString_followSemanticState() throws InsufficientRightsException {
        BoundedCounter x = new BoundedCounter();
        x.increment(A, 4);
        x.transfer(A, B, 1);
        BoundedCounter y = new BoundedCounter();
        y.increment(A, 2);
        y.increment(A, 2);
        y.transfer(A, B, 1);
        assertThat(x).isEqualTo(y).hasSameHashCodeAs(y);
        y.decrement(B, 1);
        assertThat(x).isNotEqualTo(y);
        assertThat(y).hasToString("BoundedCounter{R={a={a=4, b=1}}, U={b=1}} = 3");
    }

    @Test
    void copy_isIndependent() throws InsufficientRightsException {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, 4);
        BoundedCounter copy = counter.copy();
        counter.transfer(A, B, 2);
        counter.decrement(A, 1);
        assertThat(copy.rightsMatrix()).isEqualTo(Map.of(A, Map.of(A, 4L)));
        assertThat(copy.used()).isEmpty();
    }

    @Test
    void codec_roundTripsAndReencodesToTheSameBytes() throws CodecException {
        CodecRoundTrip.assertRoundTrip(BoundedCounter.codec(), new BoundedCounter());
        SplittableRandom random = new SplittableRandom(8);
        for (int i = 0; i < 100; i++) {
            for (BoundedCounter state : randomRun(random, 4, 30).replicas) {
                CodecRoundTrip.assertRoundTrip(BoundedCounter.codec(), state);
            }
        }
    }

    @Test
    void codec_writesTheDocumentedLayout() throws InsufficientRightsException {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, 5);
        counter.transfer(A, B, 2);
        counter.decrement(B, 1);
        byte[] expected = PNCounterTest.concat(HEADER, new byte[] {2, 1, 'a', 0, 2, 1, 'a', 5, 1, 'b', 2, 1, 'b', 1, 0});
        assertThat(Codecs.encode(BoundedCounter.codec(), counter)).isEqualTo(expected);
    }

    @Test
    void codec_rejectsTruncatedAndCorruptBytes() throws InsufficientRightsException {
        BoundedCounter counter = new BoundedCounter();
        counter.increment(A, 50);
        counter.increment(C, 300);
        counter.transfer(A, B, 20);
        counter.decrement(B, 7);
        counter.transfer(C, A, 100);
        CodecRoundTrip.assertTruncationsRejected(BoundedCounter.codec(), counter);
        CodecRoundTrip.assertCorruptionsFailCleanly(BoundedCounter.codec(), counter, 4242, 3_000);
    }

    private static byte[] body(ByteWriter out) {
        return PNCounterTest.concat(HEADER, out.toByteArray());
    }

    @Test
    void codec_rejectsStatesWithNegativeRights() {
        // B decremented 1 with no rights at all: the decrement delta would have carried its justification.
        byte[] usedWithoutRights = body(new ByteWriter().writeVarInt(1).writeReplicaId(B).writeVarLong(1).writeVarInt(0));
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), usedWithoutRights))
                .isInstanceOf(CodecException.class).hasMessageContaining("negative rights");
        // A transferred 3 to B holding only 2.
        byte[] overdrawnTransfer = body(new ByteWriter().writeVarInt(1).writeReplicaId(A).writeVarLong(0).writeVarInt(2)
                .writeReplicaId(A).writeVarLong(2).writeReplicaId(B).writeVarLong(3));
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), overdrawnTransfer))
                .isInstanceOf(CodecException.class).hasMessageContaining("replica a would hold negative rights");
    }

    @Test
    void codec_rejectsRightsBeyondSixtyFourBits() {
        byte[] overflow = body(new ByteWriter().writeVarInt(2)
                .writeReplicaId(A).writeVarLong(0).writeVarInt(1).writeReplicaId(A).writeVarLong(Long.MAX_VALUE)
                .writeReplicaId(B).writeVarLong(0).writeVarInt(1).writeReplicaId(B).writeVarLong(Long.MAX_VALUE));
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), overflow))
                .isInstanceOf(CodecException.class).hasMessageContaining("64 bits");
    }

    @Test
    void codec_rejectsNonCanonicalOrdering() {
        byte[] decreasingReplicas = body(new ByteWriter().writeVarInt(2)
                .writeReplicaId(B).writeVarLong(0).writeVarInt(1).writeReplicaId(B).writeVarLong(1)
                .writeReplicaId(A).writeVarLong(0).writeVarInt(1).writeReplicaId(A).writeVarLong(1));
        byte[] decreasingColumns = body(new ByteWriter().writeVarInt(1)
                .writeReplicaId(A).writeVarLong(0).writeVarInt(2).writeReplicaId(B).writeVarLong(1).writeReplicaId(A).writeVarLong(5));
        byte[] duplicateColumn = body(new ByteWriter().writeVarInt(1)
                .writeReplicaId(A).writeVarLong(0).writeVarInt(2).writeReplicaId(A).writeVarLong(1).writeReplicaId(A).writeVarLong(5));
        byte[] emptyReplica = body(new ByteWriter().writeVarInt(1).writeReplicaId(A).writeVarLong(0).writeVarInt(0));
        byte[] zeroEntry = body(new ByteWriter().writeVarInt(1).writeReplicaId(A).writeVarLong(0).writeVarInt(1).writeReplicaId(A).writeVarLong(0));
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), decreasingReplicas))
                .isInstanceOf(CodecException.class).hasMessageContaining("strictly increasing order");
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), decreasingColumns))
                .isInstanceOf(CodecException.class).hasMessageContaining("column order");
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), duplicateColumn)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), emptyReplica))
                .isInstanceOf(CodecException.class).hasMessageContaining("neither");
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), zeroEntry))
                .isInstanceOf(CodecException.class).hasMessageContaining("outside");
    }

    @Test
    void codec_rejectsHugeCountsWithoutAllocating() {
        byte[] hugeReplicas = body(new ByteWriter().writeVarLong(CodecLimits.REPLICAS_MAX + 1L));
        byte[] manyReplicasFewBytes = body(new ByteWriter().writeVarLong(1_000).writeReplicaId(A));
        byte[] hugeEntries = body(new ByteWriter().writeVarInt(1).writeReplicaId(A).writeVarLong(0).writeVarLong(-1));
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), hugeReplicas)).isInstanceOf(CodecException.class).hasMessageContaining("bound");
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), manyReplicasFewBytes)).isInstanceOf(CodecException.class).hasMessageContaining("remaining");
        assertThatThrownBy(() -> Codecs.decode(BoundedCounter.codec(), hugeEntries)).isInstanceOf(CodecException.class).hasMessageContaining("bound");
    }
}
