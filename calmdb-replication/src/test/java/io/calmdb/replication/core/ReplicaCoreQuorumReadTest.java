package io.calmdb.replication.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Quorum reads on three replica cores wired by hand: messages queue until {@link #deliverAll} hands them over, and a
 * test cuts links (or drops only the causal stream on a link) to make one replica lag.
 */
class ReplicaCoreQuorumReadTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final List<ReplicaId> ALL = List.of(A, B, C);
    private static final Bytes K = Bytes.ofUtf8("k");

    private record Message(ReplicaId from, ReplicaId to, byte[] bytes) {}

    private final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    private final Set<String> cutLinks = new HashSet<>();
    private final Set<String> streamCutLinks = new HashSet<>();
    private final Map<ReplicaId, Node> nodes = new LinkedHashMap<>();
    private long now = 1_000;

    private final class Node implements ReplicaEffects {
        final ReplicaId id;
        final Keyspace keyspace;
        final ReplicaCore core;
        final Map<Long, QuorumReadOutcome> answered = new LinkedHashMap<>();
        long appended;
        long repairsReceivedAsMessages;

        Node(ReplicaId id) {
            this.id = id;
            this.keyspace = new Keyspace(id);
            List<ReplicaId> peers = ALL.stream().filter(other -> !other.equals(id)).toList();
            this.core = new ReplicaCore(ReplicaCoreConfig.of(id, peers, 1_000_000, 1_000_000), keyspace,
                    VersionVector.empty(), this);
        }

        @Override
        public boolean send(ReplicaId peer, byte[] message) {
            inFlight.add(new Message(id, peer, message));
            return true;
        }

        @Override
        public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            appended = sequence;
        }

        @Override
        public void appendRemote(Dot delta, OrMap<Bytes, KeyValue> state, byte[] encodedDelta) {}

        @Override
        public void durableThrough(long sequence) {}

        @Override
        public void waitAnswered(long ticket, int replicas) {}

        @Override
        public void checkpointBegin() {}

        @Override
        public void checkpointState(Bytes key, byte[] encodedState) {}

        @Override
        public void checkpointCommit(CausalContext context, VersionVector delivered) {}

        @Override
        public void note(String message) {}

        @Override
        public void quorumReadAnswered(long ticket, QuorumReadOutcome outcome) {
            answered.put(ticket, outcome);
        }

        void commit(Keyspace.Write<?> write) {
            core.commitLocal(write.delta());
            core.onLocalDurable(appended, now);
        }
    }

    ReplicaCoreQuorumReadTest() {
        for (ReplicaId id : ALL) {
            nodes.put(id, new Node(id));
        }
        nodes.values().forEach(node -> node.core.start(now));
        inFlight.clear();
    }

    private Node node(ReplicaId id) {
        return nodes.get(id);
    }

    private static String link(ReplicaId from, ReplicaId to) {
        return from + ">" + to;
    }

    private void cut(ReplicaId x, ReplicaId y) {
        cutLinks.add(link(x, y));
        cutLinks.add(link(y, x));
    }

    /** Drops causal-stream deltas from {@code from} to {@code to} but lets quorum traffic through. */
    private void cutStream(ReplicaId from, ReplicaId to) {
        streamCutLinks.add(link(from, to));
    }

    private void deliverAll() {
        for (int handed = 0; !inFlight.isEmpty(); handed++) {
            assertThat(handed).as("messages keep coming").isLessThan(10_000);
            Message message = inFlight.poll();
            String link = link(message.from(), message.to());
            int type = message.bytes()[0];
            boolean streamType = type == ReplicationMessage.TYPE_DATA || type == ReplicationMessage.TYPE_BATCH;
            if (cutLinks.contains(link) || (streamType && streamCutLinks.contains(link))) {
                continue;
            }
            if (type == ReplicationMessage.TYPE_READ_RESPONSE && isRepair(message.bytes())) {
                node(message.to()).repairsReceivedAsMessages++;
            }
            node(message.to()).core.onMessage(message.from(), message.bytes(), now);
        }
    }

    private static boolean isRepair(byte[] bytes) {
        try {
            return ((ReplicationMessage.ReadResponse) ReplicationMessage.decode(bytes)).readId()
                    == ReplicationMessage.ReadResponse.REPAIR;
        } catch (CodecException e) {
            throw new AssertionError(e);
        }
    }

    private Optional<String> get(ReplicaId id, Bytes key) throws KeyspaceException {
        return node(id).keyspace.get(key).map(Bytes::toUtf8);
    }

    @Test
    void aQuorumRead_seesAWriteOnlyAPeerHolds_andRepairsTheLocalReplica() throws KeyspaceException {
        cutStream(A, B);
        node(A).commit(node(A).keyspace.set(K, Bytes.ofUtf8("v1"), now));
        deliverAll();
        assertThat(get(B, K)).as("B's local replica misses the write").isEmpty();

        node(B).core.quorumRead(7, K, 2, 500, now);
        deliverAll();

        assertThat(node(B).answered.get(7L).succeeded()).isTrue();
        assertThat(node(B).answered.get(7L).answered()).isEqualTo(2);
        assertThat(get(B, K)).contains("v1");
        assertThat(node(B).core.quorumStatus()).containsEntry("quorum_reads_served", 1L);
    }

    @Test
    void aPeerWhoseStateLagged_receivesTheMergedStateBack_andOnlyIt() throws KeyspaceException {
        cutStream(A, B);
        node(A).commit(node(A).keyspace.set(K, Bytes.ofUtf8("v1"), now));
        deliverAll();

        node(C).core.quorumRead(1, K, 3, 500, now);
        deliverAll();

        assertThat(node(C).answered.get(1L).succeeded()).isTrue();
        assertThat(get(B, K)).as("B was repaired by the read at C").contains("v1");
        assertThat(node(C).core.quorumStatus()).containsEntry("quorum_repairs_sent", 1L);
        assertThat(node(B).repairsReceivedAsMessages).isEqualTo(1);
        assertThat(node(A).repairsReceivedAsMessages).isZero();
        assertThat(node(B).core.quorumStatus()).containsEntry("quorum_repairs_received", 1L);
    }

    @Test
    void aQuorumRead_carriesRemovalsTheAnsweringReplicaMade() throws KeyspaceException {
        Bytes set = Bytes.ofUtf8("s");
        node(A).commit(node(A).keyspace.setAdd(set, List.of(Bytes.ofUtf8("x"), Bytes.ofUtf8("y")), now));
        deliverAll();
        cutStream(A, B);
        node(A).commit(node(A).keyspace.setRemove(set, List.of(Bytes.ofUtf8("x"))));
        node(A).commit(node(A).keyspace.delete(List.of(K)));
        deliverAll();
        assertThat(node(B).keyspace.setMembers(set)).hasSize(2);

        node(B).core.quorumRead(1, set, 2, 500, now);
        deliverAll();

        assertThat(node(B).answered.get(1L).succeeded()).isTrue();
        assertThat(node(B).keyspace.setMembers(set)).containsExactly(Bytes.ofUtf8("y"));
    }

    @Test
    void aDeletedKey_readFromAQuorum_isGoneLocallyToo() throws KeyspaceException {
        node(A).commit(node(A).keyspace.set(K, Bytes.ofUtf8("v1"), now));
        deliverAll();
        cutStream(A, B);
        node(A).commit(node(A).keyspace.delete(List.of(K)));
        deliverAll();
        assertThat(get(B, K)).contains("v1");

        node(B).core.quorumRead(1, K, 3, 500, now);
        deliverAll();

        assertThat(get(B, K)).isEmpty();
    }

    @Test
    void aQuorumRead_thatHearsTooFewReplicas_timesOutNamingHowManyAnswered_andNeverReadsLocally() {
        cut(B, A);
        cut(B, C);
        node(B).core.quorumRead(3, K, 2, 250, now);
        deliverAll();
        now += 249;
        node(B).core.tick(now);
        deliverAll();
        assertThat(node(B).answered).isEmpty();

        now += 1;
        node(B).core.tick(now);

        QuorumReadOutcome outcome = node(B).answered.get(3L);
        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.error()).isEqualTo("QUORUM timed out after 250 ms: 1 of 2 replicas answered (this one "
                + "included); the read was not served locally");
        assertThat(node(B).core.quorumStatus()).containsEntry("quorum_reads_timed_out", 1L)
                .containsEntry("quorum_reads_pending", 0L);
    }

    @Test
    void aLostRequest_isResent_soTheReadStillSucceeds() {
        cut(B, A);
        cut(B, C);
        node(B).core.quorumRead(3, K, 3, 1_000, now);
        deliverAll();
        cutLinks.clear();
        now += ReplicaCoreConfig.RETRANSMIT_PERIOD_MILLIS_DEFAULT;
        node(B).core.tick(now);
        deliverAll();
        assertThat(node(B).answered.get(3L).succeeded()).isTrue();
        assertThat(node(B).answered.get(3L).answered()).isEqualTo(3);
    }

    @Test
    void aReadFromOneReplica_isAnsweredAtOnce_andOneOutsideTheClusterSizeIsRefused() {
        node(B).core.quorumRead(1, K, 1, 100, now);
        assertThat(node(B).answered.get(1L).succeeded()).isTrue();
        assertThat(inFlight).isEmpty();
        assertThatThrownBy(() -> node(B).core.quorumRead(2, K, 4, 100, now))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 3]");
        assertThatThrownBy(() -> node(B).core.quorumRead(2, K, 0, 100, now))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
        assertThatThrownBy(() -> node(B).core.quorumRead(2, K, 2, 0, now))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeoutMillis");
    }

    @Test
    void anAnswerThatListsAnotherKey_isDroppedAsMalformed() {
        node(A).commit(node(A).keyspace.set(Bytes.ofUtf8("other"), Bytes.ofUtf8("v"), now));
        inFlight.clear();
        byte[] state = io.calmdb.crdt.Codecs.encode(Keyspace.CODEC, node(A).keyspace.extract(Bytes.ofUtf8("other")));
        node(B).core.quorumRead(1, K, 2, 100, now);
        node(B).core.onMessage(A, ReplicationMessage.encode(new ReplicationMessage.ReadResponse(
                ReplicationMessage.ReadResponse.REPAIR, K.toByteArray(), state, 0)), now);
        assertThat(node(B).core.malformedMessages()).isEqualTo(1);
        assertThat(node(B).keyspace.exists(Bytes.ofUtf8("other"))).isFalse();
    }

    @Test
    void anAnswerWhoseContextRemovesADotTheAskerNeverSaw_isDropped() {
        node(A).commit(node(A).keyspace.set(K, Bytes.ofUtf8("v1"), now));
        inFlight.clear();
        OrMap<Bytes, KeyValue> forged = node(A).keyspace.state().extractFor(K, new CausalContext());
        forged.restoreContext(CausalContext.ofDots(List.of(new Dot(C, 7))));
        node(B).core.onMessage(A, ReplicationMessage.encode(new ReplicationMessage.ReadResponse(
                ReplicationMessage.ReadResponse.REPAIR, K.toByteArray(),
                io.calmdb.crdt.Codecs.encode(Keyspace.CODEC, forged), 0)), now);
        assertThat(node(B).core.malformedMessages()).isEqualTo(1);
        assertThat(node(B).keyspace.context().contains(new Dot(C, 7))).isFalse();
        assertThat(node(B).keyspace.exists(K)).isFalse();
    }

    @Test
    void readMessages_roundTripThroughTheirEncoding() throws CodecException {
        CausalContext dots = CausalContext.ofDots(List.of(new Dot(A, 3), new Dot(B, 1)));
        var request = (ReplicationMessage.ReadRequest) ReplicationMessage.decode(ReplicationMessage.encode(
                new ReplicationMessage.ReadRequest(42, K.toByteArray(), dots)));
        assertThat(request.readId()).isEqualTo(42);
        assertThat(request.key()).isEqualTo(K.toByteArray());
        assertThat(request.askerDots()).isEqualTo(dots);
        var response = (ReplicationMessage.ReadResponse) ReplicationMessage.decode(ReplicationMessage.encode(
                new ReplicationMessage.ReadResponse(43, K.toByteArray(), new byte[] {1, 2}, 0)));
        assertThat(response.readId()).isEqualTo(43);
        assertThat(response.state()).containsExactly(1, 2);
        var oversized = (ReplicationMessage.ReadResponse) ReplicationMessage.decode(ReplicationMessage.encode(
                new ReplicationMessage.ReadResponse(44, K.toByteArray(), new byte[0], 99)));
        assertThat(oversized.oversizedBytes()).isEqualTo(99);
    }
}
