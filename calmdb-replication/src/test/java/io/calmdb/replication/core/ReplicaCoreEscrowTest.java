package io.calmdb.replication.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The core's escrow protocol driven by hand over three cores: a decrement within rights commits at once, one beyond
 * them waits for a transfer the peers commit, and one whose peers are cut off fails at its deadline naming the rights
 * held. The log is instant: every append is durable at the end of the input that made it.
 */
class ReplicaCoreEscrowTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final Bytes STOCK = Bytes.ofUtf8("stock");

    private record Message(ReplicaId from, ReplicaId to, byte[] bytes) {}

    private final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    private final Set<ReplicaId> cutOff = new HashSet<>();
    private final Map<ReplicaId, Node> nodes = new LinkedHashMap<>();
    private long now = 1_000;

    private final class Node implements ReplicaEffects {
        final ReplicaId id;
        final Keyspace keyspace;
        final ReplicaCore core;
        long appended;
        final Map<Long, String> answers = new LinkedHashMap<>();
        final List<Long> rightsRequestsSeen = new ArrayList<>();

        Node(ReplicaId id) {
            this.id = id;
            this.keyspace = new Keyspace(id);
            List<ReplicaId> peers = new ArrayList<>(List.of(A, B, C));
            peers.remove(id);
            this.core = new ReplicaCore(ReplicaCoreConfig.of(id, peers, 10_000, 60_000), keyspace,
                    VersionVector.empty(), this);
        }

        @Override
        public boolean send(ReplicaId peer, byte[] message) {
            if (cutOff.contains(id) || cutOff.contains(peer)) {
                return false;
            }
            inFlight.add(new Message(id, peer, message));
            return true;
        }

        @Override
        public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            appended = sequence;
        }

        @Override
        public void appendRemote(Dot id, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {}

        @Override
        public void durableThrough(long sequence) {}

        @Override
        public void waitAnswered(long ticket, int replicas) {}

        @Override
        public void boundedAnswered(long ticket, long sequence, long value, String error) {
            answers.put(ticket, error == null ? "value " + value : error);
        }

        @Override
        public void checkpointBegin() {}

        @Override
        public void checkpointState(Bytes key, byte[] encodedState) {}

        @Override
        public void checkpointCommit(CausalContext context, VersionVector delivered) {}

        @Override
        public void note(String message) {}

        /** Reports every append durable, as an instant log would. */
        void sync() {
            if (appended > core.durableLocalSequence()) {
                core.onLocalDurable(appended, now);
            }
        }
    }

    private Node node(ReplicaId id) {
        return nodes.get(id);
    }

    private void start() {
        for (ReplicaId id : List.of(A, B, C)) {
            nodes.put(id, new Node(id));
        }
        nodes.values().forEach(node -> node.core.start(now));
        settle();
    }

    /** Delivers messages and completes appends until nothing moves. */
    private void settle() {
        for (int round = 0; round < 10_000; round++) {
            nodes.values().forEach(Node::sync);
            Message message = inFlight.poll();
            if (message == null) {
                return;
            }
            if (!cutOff.contains(message.from()) && !cutOff.contains(message.to())) {
                if (message.bytes()[0] == ReplicationMessage.TYPE_RIGHTS_REQUEST) {
                    node(message.to()).rightsRequestsSeen.add(now);
                }
                node(message.to()).core.onMessage(message.from(), message.bytes(), now);
            }
        }
        throw new AssertionError("the cores kept talking for 10,000 messages");
    }

    private void advance(long millis) {
        for (long t = 0; t < millis; t += 20) {
            now += 20;
            nodes.values().forEach(node -> node.core.tick(now));
            settle();
        }
    }

    private void commit(ReplicaId id, Keyspace.Write<?> write) {
        node(id).core.commitLocal(write.delta());
        settle();
    }

    @Test
    void aDecrementWithinLocalRights_isAnsweredAtOnce_withoutAnyRequest() throws KeyspaceException {
        start();
        commit(A, node(A).keyspace.boundedInit(STOCK, 10, 0, 1));
        node(A).core.boundedDecrement(1, STOCK, 4, 500, now);
        assertThat(node(A).answers).containsEntry(1L, "value 6");
        assertThat(node(A).core.escrowStatus()).containsEntry("bc_rights_requests_sent", 0L);
        settle();
        assertThat(node(B).keyspace.boundedGet(STOCK)).isEqualTo(6);
    }

    @Test
    void aDecrementBeyondLocalRights_waitsForATransferFromThePeersThatHoldThem() throws KeyspaceException {
        start();
        commit(A, node(A).keyspace.boundedInit(STOCK, 10, 0, 1));
        node(C).core.boundedDecrement(7, STOCK, 3, 500, now);
        assertThat(node(C).answers).isEmpty();
        settle();
        assertThat(node(C).answers).containsEntry(7L, "value 7");
        assertThat(node(A).core.escrowStatus()).containsEntry("bc_rights_given", 3L);
        assertThat(node(B).rightsRequestsSeen).isEmpty();
        for (Node n : nodes.values()) {
            assertThat(n.keyspace.boundedGet(STOCK)).isEqualTo(7);
        }
    }

    @Test
    void aDecrementWhosePeersAreCutOff_failsAtItsDeadline_namingTheRightsHeld() throws KeyspaceException {
        start();
        commit(A, node(A).keyspace.boundedInit(STOCK, 10, 0, 1));
        node(A).core.boundedDecrement(1, STOCK, 0, 500, now);
        commit(A, node(A).keyspace.boundedTransfer(STOCK, C, 2, 1));
        cutOff.add(C);
        node(C).core.boundedDecrement(2, STOCK, 5, 300, now);
        advance(280);
        assertThat(node(C).answers).isEmpty();
        advance(40);
        assertThat(node(C).answers.get(2L)).startsWith("RIGHTS region c holds 2 rights on 'stock', fewer than the 5")
                .contains("within 300 ms");
        assertThat(node(C).keyspace.boundedGet(STOCK)).isEqualTo(10);
        node(C).core.boundedDecrement(3, STOCK, 2, 300, now);
        assertThat(node(C).answers).containsEntry(3L, "value 8");
    }

    @Test
    void aRepeatedRequest_doesNotGiveAgainWhatIsStillOnItsWay() throws KeyspaceException {
        start();
        commit(A, node(A).keyspace.boundedInit(STOCK, 10, 0, 1));
        byte[] request = ReplicationMessage.encode(new ReplicationMessage.RightsRequest(STOCK.toByteArray(), 3, 0, true));
        node(A).core.onMessage(C, request, now);
        node(A).core.onMessage(C, request, now);
        assertThat(node(A).keyspace.boundedLocalRights(STOCK)).isEqualTo(7);
        settle();
        assertThat(node(C).keyspace.boundedLocalRights(STOCK)).isEqualTo(3);
    }

    @Test
    void rightsMoveInTheBackground_towardTheRegionThatUsesThem() throws KeyspaceException {
        start();
        commit(A, node(A).keyspace.boundedInit(STOCK, 100, 0, 1));
        commit(A, node(A).keyspace.boundedTransfer(STOCK, B, 10, 1));
        for (int i = 0; i < 8; i++) {
            node(B).core.boundedDecrement(i, STOCK, 1, 0, now);
        }
        assertThat(node(B).keyspace.boundedLocalRights(STOCK)).isEqualTo(2);
        advance(ReplicaCore.RIGHTS_REBALANCE_INTERVAL_MILLIS + 40);
        assertThat(node(B).keyspace.boundedLocalRights(STOCK)).as(node(A).core.escrowStatus() + " " + node(B).core.escrowStatus()).isEqualTo(8);
        assertThat(node(A).keyspace.boundedGet(STOCK)).isEqualTo(92);
    }
}
