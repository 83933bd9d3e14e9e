package io.calmdb.replication.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.claim.ClaimRequest;
import io.calmdb.replication.claim.ClaimResult;
import io.calmdb.replication.claim.ClaimResult.Outcome;
import io.calmdb.replication.keyspace.GlobPattern;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The claim protocol over three real cores, an in-memory router that can cut links, and a log synced by hand. */
class ClaimsTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");
    private static final Bytes NS = Bytes.ofUtf8("users");

    private record Envelope(ReplicaId from, ReplicaId to, byte[] bytes) {}

    private final ArrayDeque<Envelope> wire = new ArrayDeque<>();
    private final Set<ReplicaId> cut = new HashSet<>();
    private final Map<ReplicaId, Node> nodes = new LinkedHashMap<>();
    private long now = 1_000;

    private final class Node implements ReplicaEffects {
        final ReplicaId id;
        final Keyspace keyspace;
        final ReplicaCore core;
        long appended;
        long syncedAppends;
        final Map<Long, ClaimResult> answers = new HashMap<>();
        long nextTicket = 1;

        Node(ReplicaId id) {
            this.id = id;
            this.keyspace = new Keyspace(id);
            List<ReplicaId> peers = new ArrayList<>(List.of(A, B, C));
            peers.remove(id);
            this.core = new ReplicaCore(ReplicaCoreConfig.of(id, peers, 1_000, 60_000), keyspace,
                    VersionVector.empty(), this);
        }

        long claim(ClaimRequest request, long timeoutMillis) {
            long ticket = nextTicket++;
            core.claim(ticket, request, timeoutMillis, now);
            return ticket;
        }

        Optional<Bytes> owner(Bytes namespace, String name) {
            keyspace.setTaskTime(now);
            return core.claimOwner(namespace, Bytes.ofUtf8(name));
        }

        @Override
        public boolean send(ReplicaId peer, byte[] message) {
            wire.add(new Envelope(id, peer, message));
            return true;
        }

        @Override
        public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            appended = sequence;
        }

        @Override
        public void appendLocalSynced(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            appended = sequence;
            syncedAppends++;
        }

        @Override
        public void claimAnswered(long ticket, ClaimResult result) {
            answers.put(ticket, result);
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
        public void checkpointState(Bytes key, byte[] encodedState) {}

        @Override
        public void checkpointCommit(CausalContext context, VersionVector delivered) {}

        @Override
        public void note(String message) {}
    }

    @BeforeEach
    void start() {
        for (ReplicaId id : List.of(A, B, C)) {
            nodes.put(id, new Node(id));
        }
        nodes.values().forEach(node -> node.core.start(now));
    }

    /** Syncs every log and delivers every message over uncut links, until nothing moves. */
    private void settle() {
        for (int round = 0; round < 1_000; round++) {
            boolean moved = false;
            for (Node node : nodes.values()) {
                if (node.core.durableLocalSequence() < node.appended) {
                    node.core.onLocalDurable(node.appended, now);
                    moved = true;
                }
            }
            while (!wire.isEmpty()) {
                Envelope envelope = wire.poll();
                if (!cut.contains(envelope.from()) && !cut.contains(envelope.to())) {
                    nodes.get(envelope.to()).core.onMessage(envelope.from(), envelope.bytes(), now);
                    moved = true;
                }
            }
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("the cluster did not settle");
    }

    private void advance(long millis) {
        now += millis;
        nodes.values().forEach(node -> node.core.tick(now));
    }

    /** A name whose authority is {@code region} (the slot map is the same at every node). */
    private String nameOwnedBy(ReplicaId region) {
        for (int i = 0; ; i++) {
            String name = "name" + i;
            if (nodes.get(A).core.claimAuthority().authority(Bytes.ofUtf8(name)).equals(region)) {
                return name;
            }
        }
    }

    private static ClaimRequest claim(String name, String owner) {
        return ClaimRequest.claim(NS, Bytes.ofUtf8(name), Bytes.ofUtf8(owner), 0);
    }

    @Test
    void aClaimAtTheAuthority_isAcceptedOnlyOnceItsDecisionIsSynced() {
        Node authority = nodes.get(A);
        long ticket = authority.claim(claim(nameOwnedBy(A), "alice"), 1_000);
        assertThat(authority.answers).doesNotContainKey(ticket);
        assertThat(authority.syncedAppends).isEqualTo(1);

        settle();
        assertThat(authority.answers.get(ticket).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(authority.answers.get(ticket).authority()).isEqualTo(A);
    }

    @Test
    void aClaimElsewhere_isRoutedToTheAuthority_acceptedOnce_andASecondOwnerIsRejectedWithTheFirst() {
        String name = nameOwnedBy(A);
        long first = nodes.get(B).claim(claim(name, "alice"), 1_000);
        settle();
        assertThat(nodes.get(B).answers.get(first).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(nodes.get(B).answers.get(first).authority()).isEqualTo(A);
        // The requester answered once its stream delivered the authority's write, so it reads the owner at once.
        assertThat(nodes.get(B).owner(NS, name)).contains(Bytes.ofUtf8("alice"));

        long second = nodes.get(C).claim(claim(name, "bob"), 1_000);
        settle();
        ClaimResult rejected = nodes.get(C).answers.get(second);
        assertThat(rejected.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(rejected.owner()).isEqualTo(Bytes.ofUtf8("alice"));
        for (Node node : nodes.values()) {
            assertThat(node.owner(NS, name)).as("owner at " + node.id).contains(Bytes.ofUtf8("alice"));
        }
    }

    @Test
    void aClaimWhoseAuthorityIsCutOff_isPending_andItsStatusResolvesAfterTheHeal() {
        String name = nameOwnedBy(A);
        cut.add(A);
        Node requester = nodes.get(B);
        long ticket = requester.claim(claim(name, "alice"), 500);
        settle();
        advance(499);
        assertThat(requester.answers).doesNotContainKey(ticket);
        advance(1);
        ClaimResult pending = requester.answers.get(ticket);
        assertThat(pending.outcome()).isEqualTo(Outcome.PENDING);
        assertThat(requester.core.claimStatus(pending.claimId()).outcome()).isEqualTo(Outcome.PENDING);

        cut.clear();
        advance(Claims.RESEND_MILLIS);
        settle();
        ClaimResult resolved = requester.core.claimStatus(pending.claimId());
        assertThat(resolved.outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(resolved.authority()).isEqualTo(A);
        assertThat(requester.answers.get(ticket).outcome()).as("the client heard PENDING, once").isEqualTo(Outcome.PENDING);
    }

    @Test
    void aResentClaimWhoseDecisionWasLost_isAnsweredWithTheSameDecision_andDecidedOnce() {
        String name = nameOwnedBy(A);
        Node requester = nodes.get(B);
        long ticket = requester.claim(claim(name, "alice"), 1_000);
        // The decision is lost on its way back: cut the requester once the request went out.
        nodes.get(A).core.onMessage(B, wire.poll().bytes(), now);
        cut.add(B);
        settle();
        wire.clear();
        cut.clear();
        advance(Claims.RESEND_MILLIS);
        settle();
        assertThat(requester.answers.get(ticket).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(nodes.get(A).core.status()).containsEntry("claims_accepted", 1L);
    }

    @Test
    void release_byTheOwnerOnly_frees_theNameForTheNextClaim() {
        String name = nameOwnedBy(C);
        Node b = nodes.get(B);
        long accepted = b.claim(claim(name, "alice"), 1_000);
        settle();
        assertThat(b.answers.get(accepted).outcome()).isEqualTo(Outcome.ACCEPTED);

        long wrongOwner = b.claim(ClaimRequest.release(NS, Bytes.ofUtf8(name), Bytes.ofUtf8("bob")), 1_000);
        settle();
        assertThat(b.answers.get(wrongOwner).outcome()).isEqualTo(Outcome.NOT_OWNER);
        assertThat(b.answers.get(wrongOwner).owner()).isEqualTo(Bytes.ofUtf8("alice"));

        long released = b.claim(ClaimRequest.release(NS, Bytes.ofUtf8(name), Bytes.ofUtf8("alice")), 1_000);
        settle();
        assertThat(b.answers.get(released).outcome()).isEqualTo(Outcome.RELEASED);
        for (Node node : nodes.values()) {
            assertThat(node.owner(NS, name)).isEmpty();
        }
        long next = nodes.get(A).claim(claim(name, "bob"), 1_000);
        settle();
        assertThat(nodes.get(A).answers.get(next).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void aLease_endsByTheAuthoritysClock() {
        String name = nameOwnedBy(A);
        Node b = nodes.get(B);
        long leased = b.claim(ClaimRequest.claim(NS, Bytes.ofUtf8(name), Bytes.ofUtf8("alice"), 1_000), 1_000);
        settle();
        assertThat(b.answers.get(leased).leaseDeadlineMillis()).isEqualTo(now + 1_000);
        long early = b.claim(claim(name, "bob"), 1_000);
        settle();
        assertThat(b.answers.get(early).outcome()).isEqualTo(Outcome.REJECTED);
        advance(1_000);
        long late = b.claim(claim(name, "bob"), 1_000);
        settle();
        assertThat(b.answers.get(late).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void setIfAbsent_writesTheValueAtTheAuthority_readableAtTheRequesterAtOnce_andOnlyOnce() throws Exception {
        String key = nameOwnedBy(C);
        Node a = nodes.get(A);
        long first = a.claim(ClaimRequest.setIfAbsent(Bytes.ofUtf8(key), Bytes.ofUtf8("token1"), 30_000, 0), 1_000);
        long second = nodes.get(B).claim(ClaimRequest.setIfAbsent(Bytes.ofUtf8(key), Bytes.ofUtf8("token2"), 0, 0),
                1_000);
        settle();
        assertThat(a.answers.get(first).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(nodes.get(B).answers.get(second).outcome()).isEqualTo(Outcome.REJECTED);
        a.keyspace.setTaskTime(now);
        assertThat(a.keyspace.get(Bytes.ofUtf8(key))).isPresent();
        assertThat(a.keyspace.deadline(Bytes.ofUtf8(key))).isEqualTo(a.answers.get(first).leaseDeadlineMillis());
        assertThat(a.owner(ClaimRequest.KEY_NAMESPACE, key)).contains(Bytes.ofUtf8("token1"));

        // DEL anywhere ends the hold once the authority sees it.
        Node b = nodes.get(B);
        b.keyspace.setTaskTime(now);
        b.core.commitLocal(b.keyspace.delete(List.of(Bytes.ofUtf8(key))).delta());
        settle();
        long third = b.claim(ClaimRequest.setIfAbsent(Bytes.ofUtf8(key), Bytes.ofUtf8("token3"), 0, 0), 1_000);
        settle();
        assertThat(b.answers.get(third).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void setManyIfAbsent_overKeysOfDifferentAuthorities_isRefusedAsCrossSlot() {
        Map<Bytes, Bytes> pairs = new LinkedHashMap<>();
        pairs.put(Bytes.ofUtf8(nameOwnedBy(A)), Bytes.ofUtf8("1"));
        pairs.put(Bytes.ofUtf8(nameOwnedBy(B)), Bytes.ofUtf8("2"));
        long ticket = nodes.get(C).claim(ClaimRequest.setManyIfAbsent(pairs), 1_000);
        assertThat(nodes.get(C).answers.get(ticket).outcome()).isEqualTo(Outcome.REFUSED);
        assertThat(nodes.get(C).answers.get(ticket).error()).startsWith("CROSSSLOT");
    }

    @Test
    void claimFacts_areInvisibleToKeysAndDbsize_andSurviveFlushAll() {
        Node a = nodes.get(A);
        String name = nameOwnedBy(A);
        a.claim(claim(name, "alice"), 1_000);
        settle();
        a.keyspace.setTaskTime(now);
        assertThat(a.keyspace.size()).isZero();
        assertThat(a.keyspace.keys(GlobPattern.of("*".getBytes()))).isEmpty();
        Node b = nodes.get(B);
        b.keyspace.setTaskTime(now);
        b.core.commitLocal(b.keyspace.flushAll().delta());
        settle();
        assertThat(a.owner(NS, name)).contains(Bytes.ofUtf8("alice"));
        assertThat(b.owner(NS, name)).contains(Bytes.ofUtf8("alice"));
    }

    @Test
    void aDecisionFromARegionThatIsNotTheAuthority_isDroppedAndCounted() {
        String name = nameOwnedBy(A);
        cut.add(A);
        Node b = nodes.get(B);
        long ticket = b.claim(claim(name, "alice"), 10_000);
        settle();
        // C forges an acceptance of B's pending claim.
        String pendingId = pendingIdOf(b);
        byte[] forged = ReplicationMessage.encode(new ReplicationMessage.ClaimDecisionMessage(new ClaimResult(
                pendingId, Outcome.ACCEPTED, Bytes.ofUtf8("alice"), C, 1, now, 0, ""), 0));
        b.core.onMessage(C, forged, now);
        assertThat(b.answers).doesNotContainKey(ticket);
        assertThat(b.core.claimStatus(pendingId).outcome()).isEqualTo(Outcome.PENDING);
        assertThat(b.core.malformedMessages()).isEqualTo(1);
    }

    @Test
    void claimMessages_roundTripThroughTheirWireForm() throws Exception {
        ClaimRequest request = ClaimRequest.hashSetIfAbsent(Bytes.ofUtf8("h"), Bytes.ofUtf8("f"), Bytes.ofUtf8("v"));
        var decoded = (ReplicationMessage.ClaimRequestMessage) ReplicationMessage.decode(ReplicationMessage.encode(
                new ReplicationMessage.ClaimRequestMessage("b-1-7", 1, request)));
        assertThat(decoded.claimId()).isEqualTo("b-1-7");
        assertThat(decoded.request()).isEqualTo(request);
        ClaimResult result = new ClaimResult("b-1-7", Outcome.REJECTED, Bytes.ofUtf8("alice"), A, 1, 5, 9, "");
        var decision = (ReplicationMessage.ClaimDecisionMessage) ReplicationMessage.decode(ReplicationMessage.encode(
                new ReplicationMessage.ClaimDecisionMessage(result, 42)));
        assertThat(decision.result()).isEqualTo(result);
        assertThat(decision.sequence()).isEqualTo(42);
    }

    private String pendingIdOf(Node node) {
        // Claim ids are the region, its start time and a counter; the first claim is number 1.
        return node.id.name() + "-" + 1_000 + "-1";
    }
}
