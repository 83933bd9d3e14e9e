package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@code ID.NEXT} and {@code ID.BATCH} in the keyspace: Snowflake layout, clock rules, durability of the mark. */
class GeneratedIdsTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final Bytes NS = Bytes.ofUtf8("orders");
    /** A clock reading well inside the ID time range. */
    private static final long NOW = IdLayout.EPOCH_MILLIS + 1_000_000;

    private static Keyspace replay(ReplicaId replica, List<OrMap<Bytes, KeyValue>> deltas) throws CodecException {
        Keyspace keyspace = new Keyspace(replica);
        for (OrMap<Bytes, KeyValue> delta : deltas) {
            keyspace.apply(Codecs.decode(Keyspace.CODEC, Codecs.encode(Keyspace.CODEC, delta)));
        }
        return keyspace;
    }

    @Test
    void anId_holdsTheTimeTheRegionAndTheSequence() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(A);
        long first = keyspace.idNext(NS, 5, NOW).reply();
        long second = keyspace.idNext(NS, 5, NOW).reply();
        assertThat(IdLayout.millisOf(first)).isEqualTo(NOW - IdLayout.EPOCH_MILLIS);
        assertThat(IdLayout.regionOf(first)).isEqualTo(5);
        assertThat(IdLayout.sequenceOf(first)).isZero();
        assertThat(second).isEqualTo(first + 1);
        long later = keyspace.idNext(NS, 5, NOW + 3).reply();
        assertThat(IdLayout.millisOf(later)).isEqualTo(NOW + 3 - IdLayout.EPOCH_MILLIS);
        assertThat(IdLayout.sequenceOf(later)).isZero();
        assertThat(first).isPositive();
        assertThat(keyspace.type(NS)).isEqualTo(Kind.ID_NAMESPACE);
    }

    @Test
    void aClockThatGoesBackwards_isRefusedWithTheGapInMilliseconds() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(A);
        keyspace.idNext(NS, 0, NOW);
        assertThatThrownBy(() -> keyspace.idNext(NS, 0, NOW - 37))
                .isInstanceOf(KeyspaceException.class)
                .hasMessageStartingWith("ERR clock went backwards")
                .hasMessageContaining("37 ms earlier");
        assertThat(keyspace.idNext(NS, 0, NOW).reply()).isNotNull();
    }

    @Test
    void aRestartWithAnEarlierClock_isRefusedToo_becauseTheMarkIsDurableState() throws Exception {
        Keyspace before = new Keyspace(A);
        OrMap<Bytes, KeyValue> delta = before.idNext(NS, 0, NOW + 500).delta();
        Keyspace restarted = replay(A, List.of(delta));
        assertThatThrownBy(() -> restarted.idNext(NS, 0, NOW))
                .hasMessageContaining("500 ms earlier");
        long next = restarted.idNext(NS, 0, NOW + 500).reply();
        assertThat(IdLayout.sequenceOf(next)).isEqualTo(1);
    }

    @Test
    void aUsedUpMillisecond_movesToTheNext_withinTheLead_thenAsksToRetry() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(A);
        long[] batch = keyspace.idBatch(NS, 0, Keyspace.ID_BATCH_SIZE_MAX, NOW).reply();
        assertThat(batch[1] - batch[0] + 1).isEqualTo(Keyspace.ID_BATCH_SIZE_MAX);
        long next = keyspace.idNext(NS, 0, NOW).reply();
        assertThat(IdLayout.millisOf(next)).isEqualTo(NOW - IdLayout.EPOCH_MILLIS + 1);
        for (int i = 0; i < IdLayout.LEAD_MILLIS_MAX - 1; i++) {
            keyspace.idBatch(NS, 0, Keyspace.ID_BATCH_SIZE_MAX, NOW);
        }
        assertThatThrownBy(() -> keyspace.idBatch(NS, 0, Keyspace.ID_BATCH_SIZE_MAX, NOW))
                .hasMessageStartingWith("TRYAGAIN");
        // The clock catching up makes room again.
        assertThat(keyspace.idNext(NS, 0, NOW + IdLayout.LEAD_MILLIS_MAX + 1).reply()).isPositive();
    }

    @Test
    void aBatch_isAContiguousRange_thatNoLaterIdRepeats() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(A);
        long[] range = keyspace.idBatch(NS, 2, 100, NOW).reply();
        assertThat(range[1] - range[0]).isEqualTo(99);
        assertThat(IdLayout.regionOf(range[0])).isEqualTo(2);
        assertThat(IdLayout.regionOf(range[1])).isEqualTo(2);
        long next = keyspace.idNext(NS, 2, NOW).reply();
        assertThat(next).isGreaterThan(range[1]);
        assertThatThrownBy(() -> keyspace.idBatch(NS, 2, 0, NOW)).hasMessageContaining("ID_BATCH_SIZE_MAX");
        assertThatThrownBy(() -> keyspace.idBatch(NS, 2, Keyspace.ID_BATCH_SIZE_MAX + 1, NOW))
                .hasMessageContaining("between 1 and " + Keyspace.ID_BATCH_SIZE_MAX);
    }

    @Test
    void twoRegionsWithTheSameIndex_areRefused_onceEitherSeesTheOther() throws KeyspaceException {
        Keyspace a = new Keyspace(A);
        Keyspace b = new Keyspace(B);
        b.apply(a.idNext(NS, 3, NOW).delta());
        assertThatThrownBy(() -> b.idNext(NS, 3, NOW)).hasMessageContaining("region index 3 is used by both");
        assertThat(b.idNext(NS, 4, NOW).reply()).isPositive();
    }

    @Test
    void deletingANamespace_keepsItsMarks_soNoIdIsIssuedTwice() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(A);
        long first = keyspace.idNext(NS, 0, NOW).reply();
        keyspace.delete(List.of(NS));
        assertThat(keyspace.idNext(NS, 0, NOW).reply()).isGreaterThan(first);
        keyspace.state().clear();
        assertThat(keyspace.idNext(NS, 0, NOW).reply()).isGreaterThan(first + 1);
    }

    @Test
    void anExpiredNamespace_stillKeepsItsMarks() throws KeyspaceException {
        Keyspace keyspace = new Keyspace(A);
        long first = keyspace.idNext(NS, 0, NOW).reply();
        keyspace.expire(NS, NOW + 1, Keyspace.ExpiryCondition.ALWAYS, NOW);
        keyspace.setTaskTime(NOW + 2);
        assertThat(keyspace.idNext(NS, 0, NOW + 2).reply()).isGreaterThan(first);
    }

    @Test
    void anIdNamespaceOnAStringKey_isTheWrongType() {
        Keyspace keyspace = new Keyspace(A);
        keyspace.set(NS, Bytes.ofUtf8("x"), NOW);
        assertThatThrownBy(() -> keyspace.idNext(NS, 0, NOW)).hasMessageStartingWith("WRONGTYPE");
    }

    @Test
    void regionsIssuingConcurrently_withSkewedClocksAndReplays_neverRepeatAnId() throws Exception {
        long seed = new SplittableRandom().nextLong();
        SplittableRandom random = new SplittableRandom(seed);
        ReplicaId[] regions = {A, B, ReplicaId.of("c")};
        Keyspace[] keyspaces = new Keyspace[regions.length];
        List<List<OrMap<Bytes, KeyValue>>> logs = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>(),
                new java.util.ArrayList<>());
        for (int r = 0; r < regions.length; r++) {
            keyspaces[r] = new Keyspace(regions[r]);
        }
        Set<Long> issued = new HashSet<>();
        long[] clocks = {NOW, NOW + 3, NOW - 2};
        int refused = 0;
        for (int step = 0; step < 8_000; step++) {
            int r = random.nextInt(regions.length);
            clocks[r] += random.nextInt(3) - (random.nextInt(50) == 0 ? 5 : 0);
            if (random.nextInt(800) == 0) {
                keyspaces[r] = replay(regions[r], logs.get(r));
            }
            try {
                Keyspace.Write<long[]> write = random.nextInt(10) == 0
                        ? keyspaces[r].idBatch(NS, r, 1 + random.nextInt(50), clocks[r])
                        : keyspaces[r].idBatch(NS, r, 1, clocks[r]);
                logs.get(r).add(write.delta());
                for (long id = write.reply()[0]; id <= write.reply()[1]; id++) {
                    assertThat(issued.add(id)).as("seed %d: id %d issued twice", seed, id).isTrue();
                }
            } catch (KeyspaceException refusal) {
                assertThat(refusal.getMessage()).as("seed %d", seed).startsWith("ERR clock went backwards");
                refused++;
            }
        }
        assertThat(issued.size()).as("seed %d", seed).isGreaterThan(5_000);
        assertThat(refused).as("seed %d", seed).isPositive();
    }
}
