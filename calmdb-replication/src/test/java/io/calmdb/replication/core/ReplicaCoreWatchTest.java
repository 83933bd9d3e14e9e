package io.calmdb.replication.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.keyspace.AtomicWrite;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The core's two jobs for transactions: a combined unit of writes is one log record and one broadcast, which a peer
 * applies whole; and every delta it commits or applies moves the change markers that {@code WATCH} reads.
 */
class ReplicaCoreWatchTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    /** Keeps every message sent, so it can be handed to the other core. */
    private static final class Wire implements ReplicaEffects {
        final List<byte[]> sent = new ArrayList<>();
        final List<Long> appendedLocal = new ArrayList<>();
        final java.util.Map<Bytes, byte[]> checkpointed = new java.util.HashMap<>();
        int checkpointCommits;

        @Override
        public boolean send(ReplicaId peer, byte[] message) {
            sent.add(message);
            return true;
        }

        @Override
        public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            appendedLocal.add(sequence);
        }

        @Override
        public void appendRemote(Dot id, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {}

        @Override
        public void durableThrough(long sequence) {}

        @Override
        public void waitAnswered(long ticket, int replicas) {}

        @Override
        public void checkpointBegin() {}

        @Override
        public void checkpointState(Bytes key, byte[] encodedState) {
            checkpointed.put(key, encodedState);
        }

        @Override
        public void checkpointCommit(CausalContext context, VersionVector delivered) {
            checkpointCommits++;
        }

        @Override
        public void note(String message) {}
    }

    private static Bytes b(String text) {
        return Bytes.ofUtf8(text);
    }

    private final Wire wireA = new Wire();
    private final Wire wireB = new Wire();
    private final Keyspace keyspaceA = new Keyspace(A);
    private final Keyspace keyspaceB = new Keyspace(B);
    private final ReplicaCore coreA = new ReplicaCore(ReplicaCoreConfig.of(A, List.of(B), 1_000, 5_000), keyspaceA,
            VersionVector.empty(), wireA);
    private final ReplicaCore coreB = new ReplicaCore(ReplicaCoreConfig.of(B, List.of(A), 1_000, 5_000), keyspaceB,
            VersionVector.empty(), wireB);

    @Test
    void aCombinedUnit_isOneLogRecordAndOneBroadcast_thatThePeerAppliesWhole() throws KeyspaceException {
        coreA.start(0);
        coreB.start(0);
        wireA.sent.clear();
        AtomicWrite unit = new AtomicWrite();
        unit.add(keyspaceA.set(b("x"), b("1"), 1));
        unit.add(keyspaceA.set(b("y"), b("2"), 1));
        unit.add(keyspaceA.hashSet(b("h"), java.util.Map.of(b("f"), b("3")), 1));
        long sequence = coreA.commitLocal(unit.delta());
        assertThat(sequence).isEqualTo(1);
        assertThat(wireA.appendedLocal).containsExactly(1L);
        coreA.onLocalDurable(1, 2);
        assertThat(wireA.sent).hasSize(1);

        long watchX = keyspaceB.watch(b("x"));
        long watchOther = keyspaceB.watch(b("other"));
        coreB.onMessage(A, wireA.sent.get(0), 3);
        assertThat(keyspaceB.get(b("x"))).contains(b("1"));
        assertThat(keyspaceB.get(b("y"))).contains(b("2"));
        assertThat(keyspaceB.hashGet(b("h"), b("f"))).contains(b("3"));
        assertThat(keyspaceB.changedSince(b("x"), watchX)).isTrue();
        assertThat(keyspaceB.changedSince(b("other"), watchOther)).isFalse();
    }

    @Test
    void aLocalCommit_movesTheMarkerOfTheKeysItTouched() {
        coreA.start(0);
        long watchX = keyspaceA.watch(b("x"));
        long watchY = keyspaceA.watch(b("y"));
        coreA.commitLocal(keyspaceA.set(b("x"), b("1"), 1).delta());
        assertThat(keyspaceA.changedSince(b("x"), watchX)).isTrue();
        assertThat(keyspaceA.changedSince(b("y"), watchY)).isFalse();
    }

    @Test
    void aLocalFlush_movesTheMarkerOfEveryWatchedKeyItRemoved_butNotOfAnAbsentOne() {
        coreA.start(0);
        coreA.commitLocal(keyspaceA.set(b("x"), b("1"), 1).delta());
        long watchX = keyspaceA.watch(b("x"));
        long watchAbsent = keyspaceA.watch(b("absent"));
        coreA.commitLocal(keyspaceA.flushAll().delta());
        assertThat(keyspaceA.exists(b("x"))).isFalse();
        assertThat(keyspaceA.changedSince(b("x"), watchX)).isTrue();
        assertThat(keyspaceA.changedSince(b("absent"), watchAbsent)).isFalse();
    }

    @Test
    void aReplicatedFlush_whoseDeltaNamesNoKey_movesTheMarkerOfTheWatchedKeysItRemoved() {
        coreA.start(0);
        coreB.start(0);
        coreA.commitLocal(keyspaceA.set(b("x"), b("1"), 1).delta());
        coreA.onLocalDurable(1, 2);
        coreB.onMessage(A, wireA.sent.get(wireA.sent.size() - 1), 3);
        assertThat(keyspaceB.exists(b("x"))).isTrue();
        long watchX = keyspaceB.watch(b("x"));
        long watchAbsent = keyspaceB.watch(b("absent"));
        wireA.sent.clear();
        coreA.commitLocal(keyspaceA.flushAll().delta());
        coreA.onLocalDurable(2, 4);
        assertThat(wireA.sent).hasSize(1);
        coreB.onMessage(A, wireA.sent.get(0), 5);
        assertThat(keyspaceB.exists(b("x"))).isFalse();
        assertThat(keyspaceB.changedSince(b("x"), watchX)).isTrue();
        assertThat(keyspaceB.changedSince(b("absent"), watchAbsent)).isFalse();
    }

    /** Ticks until the next checkpoint has committed, acknowledging it as durable. */
    private static void checkpoint(ReplicaCore core, Wire wire, long nowMillis) {
        int before = wire.checkpointCommits;
        for (int tick = 0; tick < 100 && wire.checkpointCommits == before; tick++) {
            core.tick(nowMillis + tick);
        }
        assertThat(wire.checkpointCommits).as("checkpoints committed").isEqualTo(before + 1);
        core.onCheckpointFinished(true);
    }

    @Test
    void aFlushedKey_isCheckpointedAsAbsent_soARestartAfterTheLogIsTruncatedDoesNotBringItBack() {
        coreA.start(0);
        coreA.commitLocal(keyspaceA.set(b("x"), b("1"), 1).delta());
        checkpoint(coreA, wireA, 10_000);
        assertThat(wireA.checkpointed.get(b("x"))).isNotNull();
        coreA.commitLocal(keyspaceA.flushAll().delta());
        checkpoint(coreA, wireA, 20_000);
        assertThat(wireA.checkpointed).containsEntry(b("x"), null);
    }

    @Test
    void aKeyARemoteFlushRemoved_isCheckpointedAsAbsent() {
        coreA.start(0);
        coreB.start(0);
        coreA.commitLocal(keyspaceA.set(b("x"), b("1"), 1).delta());
        coreA.onLocalDurable(1, 2);
        coreB.onMessage(A, wireA.sent.get(wireA.sent.size() - 1), 3);
        checkpoint(coreB, wireB, 10_000);
        assertThat(wireB.checkpointed.get(b("x"))).isNotNull();
        wireA.sent.clear();
        coreA.commitLocal(keyspaceA.flushAll().delta());
        coreA.onLocalDurable(2, 4);
        coreB.onMessage(A, wireA.sent.get(0), 5);
        assertThat(keyspaceB.exists(b("x"))).isFalse();
        checkpoint(coreB, wireB, 20_000);
        assertThat(wireB.checkpointed).containsEntry(b("x"), null);
    }
}
