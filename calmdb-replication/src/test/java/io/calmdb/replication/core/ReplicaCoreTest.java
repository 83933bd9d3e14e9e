package io.calmdb.replication.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The replica core's write path and repair rules, driven by hand: every output is recorded, nothing runs by itself. */
class ReplicaCoreTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");

    /** Records every effect the core asks for. */
    private static final class Recorder implements ReplicaEffects {
        final List<String> sent = new ArrayList<>();
        final List<Long> appendedLocal = new ArrayList<>();
        long durableThrough;
        final List<String> waits = new ArrayList<>();

        @Override
        public boolean send(ReplicaId peer, byte[] message) {
            sent.add(peer + ":" + message[0]);
            return true;
        }

        @Override
        public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            appendedLocal.add(sequence);
        }

        @Override
        public void appendRemote(Dot id, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {}

        @Override
        public void durableThrough(long sequence) {
            durableThrough = sequence;
        }

        @Override
        public void waitAnswered(long ticket, int replicas) {
            waits.add(ticket + "=" + replicas);
        }

        final List<String> checkpoint = new ArrayList<>();

        @Override
        public void checkpointBegin() {
            checkpoint.add("begin");
        }

        @Override
        public void checkpointState(Bytes key, byte[] encodedState) {
            checkpoint.add(key.toUtf8() + (encodedState == null ? "=gone" : "=state"));
        }

        CausalContext committedContext;

        @Override
        public void checkpointCommit(CausalContext context, VersionVector delivered) {
            checkpoint.add("commit");
            committedContext = context;
        }

        @Override
        public void note(String message) {}

        long sentOfType(int type) {
            return sent.stream().filter(line -> line.endsWith(":" + type)).count();
        }
    }

    private final Recorder effects = new Recorder();
    private final Keyspace keyspace = new Keyspace(A);
    private final ReplicaCore core = new ReplicaCore(ReplicaCoreConfig.of(A, List.of(B), 1_000, 5_000), keyspace,
            VersionVector.empty(), effects);

    private long write(String key, long now) {
        return core.commitLocal(keyspace.set(Bytes.ofUtf8(key), Bytes.ofUtf8("v"), now).delta());
    }

    @Test
    void aLocalWrite_isLoggedAtOnce_butShippedAndAcknowledgedOnlyOnceDurable() {
        core.start(0);
        long sequence = write("k", 1);
        assertThat(sequence).isEqualTo(1);
        assertThat(effects.appendedLocal).containsExactly(1L);
        assertThat(effects.sentOfType(ReplicationMessage.TYPE_DATA)).isZero();
        assertThat(effects.durableThrough).isZero();

        core.onLocalDurable(1, 2);
        assertThat(effects.durableThrough).isEqualTo(1);
        assertThat(effects.sentOfType(ReplicationMessage.TYPE_DATA)).isEqualTo(1);
    }

    @Test
    void aDurabilityReportBeyondWhatWasAppended_isADriverBugAndThrows() {
        core.start(0);
        write("k", 1);
        assertThatThrownBy(() -> core.onLocalDurable(2, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only 1 were appended");
    }

    @Test
    void aMessageFromAReplicaThatIsNoPeer_isDroppedAndCounted() {
        core.start(0);
        core.onMessage(ReplicaId.of("stranger"), new byte[] {1, 2, 3}, 1);
        assertThat(core.malformedMessages()).isEqualTo(1);
    }

    @Test
    void aDeltaAPeerSendsInAnotherRegionsName_isDroppedUnappliedAndCounted() {
        ReplicaId c = ReplicaId.of("c");
        Keyspace mine = new Keyspace(A);
        ReplicaCore three = new ReplicaCore(ReplicaCoreConfig.of(A, List.of(B, c), 1_000, 5_000), mine,
                VersionVector.empty(), new Recorder());
        three.start(0);
        // b sends a write that claims to be c's first: the stream does not relay, so it is forged.
        Keyspace cs = new Keyspace(c);
        byte[] forged = io.calmdb.crdt.Codecs.encode(Keyspace.CODEC,
                cs.set(Bytes.ofUtf8("forged"), Bytes.ofUtf8("x"), 1).delta());
        three.onMessage(B, ReplicationMessage.encode(new ReplicationMessage.Broadcast(
                new io.calmdb.replication.broadcast.RelayMessage.Data<>(Dot.of(c, 1), VersionVector.empty(),
                        forged))), 2);
        assertThat(three.forgedOriginMessages()).isEqualTo(1);
        assertThat(mine.exists(Bytes.ofUtf8("forged"))).as("the forged write was not applied").isFalse();
        assertThat(three.status()).containsEntry("forgedOriginMessages", 1L);

        // The same delivery from c itself is applied.
        three.onMessage(c, ReplicationMessage.encode(new ReplicationMessage.Broadcast(
                new io.calmdb.replication.broadcast.RelayMessage.Data<>(Dot.of(c, 1), VersionVector.empty(),
                        forged))), 3);
        assertThat(mine.exists(Bytes.ofUtf8("forged"))).isTrue();
        assertThat(three.forgedOriginMessages()).isEqualTo(1);
    }

    @Test
    void wait_isAnsweredWhenThePeerAcknowledges_orAtItsDeadline() {
        core.start(0);
        write("k", 1);
        core.onLocalDurable(1, 1);
        core.await(7, 1, 1, 100, 2);
        assertThat(effects.waits).isEmpty();
        core.onMessage(B, ReplicationMessage.encode(new ReplicationMessage.Broadcast(
                new io.calmdb.replication.broadcast.RelayMessage.Ack<>(Dot.of(A, 1)))), 3);
        assertThat(effects.waits).containsExactly("7=1");

        write("k", 4);
        core.onLocalDurable(2, 4);
        core.await(8, 2, 1, 100, 5);
        core.tick(104);
        assertThat(effects.waits).containsExactly("7=1");
        core.tick(105);
        assertThat(effects.waits).containsExactly("7=1", "8=0");
    }

    @Test
    void aStateTransfer_sendsNothingUntilTheLocalWritesItCarriesAreDurable() {
        core.start(0);
        write("k", 1);
        // B's digest shows it lacks what A had seen a round ago; A's write 1 is applied but not yet durable.
        core.tick(0);
        core.tick(1_000);
        effects.sent.clear();
        core.onMessage(B, ReplicationMessage.encode(new ReplicationMessage.Digest(new CausalContext(),
                VersionVector.empty())), 1_001);
        core.tick(1_002);
        assertThat(effects.sentOfType(ReplicationMessage.TYPE_CHUNK)).isZero();
        assertThat(effects.sentOfType(ReplicationMessage.TYPE_END)).isZero();

        core.onLocalDurable(1, 1_003);
        core.tick(1_004);
        assertThat(effects.sentOfType(ReplicationMessage.TYPE_CHUNK)).isEqualTo(1);
        assertThat(effects.sentOfType(ReplicationMessage.TYPE_END)).isEqualTo(1);
    }

    @Test
    void aCheckpoint_writesTheKeysChangedSinceTheLast_thenCommitsWithTheContext_oneAtATime() {
        core.start(0);
        write("k1", 1);
        write("k2", 2);
        core.onLocalDurable(2, 3);
        core.tick(4_999);
        assertThat(effects.checkpoint).isEmpty();
        core.tick(5_000);
        assertThat(effects.checkpoint).containsExactly("begin", "k1=state", "k2=state", "commit");
        // The context is captured after the last state: it holds every dot the two writes gave out.
        assertThat(effects.committedContext.includes(keyspace.context())).isTrue();

        keyspace.delete(List.of(Bytes.ofUtf8("k1")));
        core.commitLocal(keyspace.delete(List.of(Bytes.ofUtf8("k2"))).delta());
        core.tick(10_000);
        // The first checkpoint has not finished committing: no second one starts.
        assertThat(effects.checkpoint).hasSize(4);
        core.onCheckpointFinished(true);
        core.tick(10_001);
        assertThat(effects.checkpoint).containsSequence("begin", "k2=gone");
        assertThat(core.status()).containsEntry("checkpointsCommitted", 1L);
    }

    @Test
    void aFailedCheckpoint_writesItsKeysAgainNextTime() {
        core.start(0);
        write("k1", 1);
        core.tick(5_000);
        core.onCheckpointFinished(false);
        core.tick(10_000);
        assertThat(effects.checkpoint).containsExactly("begin", "k1=state", "commit", "begin", "k1=state", "commit");
        assertThatThrownBy(() -> {
            core.onCheckpointFinished(true);
            core.onCheckpointFinished(true);
        }).isInstanceOf(IllegalStateException.class);
    }
}
