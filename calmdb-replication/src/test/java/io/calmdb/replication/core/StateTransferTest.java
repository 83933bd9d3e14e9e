package io.calmdb.replication.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/**
 * A state transfer of many chunks between two cores wired by hand, over a link that loses or reorders chunks: the
 * receiver asks for what it lacks, so the transfer completes without starting over.
 */
class StateTransferTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final long ANTI_ENTROPY_INTERVAL_MILLIS = 100;
    private static final int KEYS = 300;

    private record InFlight(ReplicaId from, ReplicaId to, byte[] message) {}

    /** Queues every message; the test decides which ones arrive, and in what order. */
    private static final class Link implements ReplicaEffects {
        private final ReplicaId self;
        private final Deque<InFlight> queue;
        final List<String> checkpoint = new java.util.ArrayList<>();

        Link(ReplicaId self, Deque<InFlight> queue) {
            this.self = self;
            this.queue = queue;
        }

        @Override
        public boolean send(ReplicaId peer, byte[] message) {
            queue.add(new InFlight(self, peer, message));
            return true;
        }

        @Override
        public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {}

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
            checkpoint.add(key.toUtf8());
        }

        @Override
        public void checkpointCommit(CausalContext context, VersionVector delivered) {
            checkpoint.add("commit");
        }

        @Override
        public void note(String message) {}
    }

    private static ReplicaCoreConfig config(ReplicaId self, ReplicaId peer) {
        return new ReplicaCoreConfig(self, List.of(peer), ReplicaCoreConfig.RETRANSMIT_PERIOD_MILLIS_DEFAULT,
                ReplicaCoreConfig.HOLD_BACK_MESSAGES_MAX_DEFAULT, ANTI_ENTROPY_INTERVAL_MILLIS, 1024,
                ReplicaCoreConfig.WAITERS_MAX_DEFAULT, 60_000, ReplicaCoreConfig.CHECKPOINT_KEYS_PER_TICK_DEFAULT);
    }

    /**
     * Runs A (holding {@link #KEYS} keys its stream never shipped, so only a transfer repairs B) and an empty B for up
     * to {@code millisMax}, passing each chunk from A to B unless {@code dropChunk} says to drop it (its argument
     * counts A's chunks from 0); the next chunk after each dropped one overtakes it when {@code reorder} is set.
     */
    private static ReplicaCore[] run(IntPredicate dropChunk, boolean reorder, long millisMax) {
        Deque<InFlight> queue = new ArrayDeque<>();
        Keyspace a = new Keyspace(A);
        for (int i = 0; i < KEYS; i++) {
            a.set(Bytes.ofUtf8("key:" + i), Bytes.ofUtf8("value " + i + " ".repeat(40)), 1);
        }
        Keyspace b = new Keyspace(B);
        ReplicaCore coreA = new ReplicaCore(config(A, B), a, VersionVector.empty(), new Link(A, queue));
        ReplicaCore coreB = new ReplicaCore(config(B, A), b, VersionVector.empty(), new Link(B, queue));
        coreA.start(0);
        coreB.start(0);
        int chunks = 0;
        InFlight heldBack = null;
        for (long now = 1; now <= millisMax; now++) {
            coreA.tick(now);
            coreB.tick(now);
            while (!queue.isEmpty()) {
                InFlight message = queue.poll();
                ReplicaCore to = message.to().equals(A) ? coreA : coreB;
                if (message.from().equals(A) && message.message()[0] == ReplicationMessage.TYPE_CHUNK) {
                    if (dropChunk.test(chunks++)) {
                        if (reorder) {
                            heldBack = message;
                        }
                        continue;
                    }
                    to.onMessage(message.from(), message.message(), now);
                    if (heldBack != null) {
                        to.onMessage(heldBack.from(), heldBack.message(), now);
                        heldBack = null;
                    }
                    continue;
                }
                to.onMessage(message.from(), message.message(), now);
            }
            if (Arrays.equals(Codecs.encode(Keyspace.CODEC, a.state()), Codecs.encode(Keyspace.CODEC, b.state()))) {
                return new ReplicaCore[] {coreA, coreB};
            }
        }
        return new ReplicaCore[] {coreA, coreB};
    }

    private static boolean converged(ReplicaCore[] cores) {
        return cores[1].transfersReceived() == 1;
    }

    @Test
    void aTransferOfManyChunks_completesOverAPerfectLink_inOneTry() {
        ReplicaCore[] cores = run(chunk -> false, false, 5_000);
        assertThat(converged(cores)).isTrue();
        assertThat(cores[0].status()).containsEntry("transfersResumed", 0L);
    }

    @Test
    void aLostChunk_isAskedForAgain_andTheTransferGoesOnFromIt() {
        // Every seventh chunk of the first pass is lost; a transfer that had to arrive whole would never complete.
        ReplicaCore[] cores = run(chunk -> chunk % 7 == 3, false, 20_000);
        assertThat(converged(cores)).as("B took the transfer in, status %s", cores[0].status()).isTrue();
        assertThat((Long) cores[0].status().get("transfersResumed")).isPositive();
        assertThat(cores[0].transfersSent()).isEqualTo(1);
    }

    @Test
    void aChunkOvertakenByTheNext_waitsInTheBuffer_withoutAskingAgain() {
        ReplicaCore[] cores = run(chunk -> chunk == 2 || chunk == 9, true, 5_000);
        assertThat(converged(cores)).isTrue();
        assertThat(cores[0].status()).containsEntry("transfersResumed", 0L);
    }

    @Test
    void aTransferAppliedWhileACheckpointWritesItsKeys_isInThatCheckpoint_whoseContextIncludesIt() {
        Deque<InFlight> queue = new ArrayDeque<>();
        Link link = new Link(B, queue);
        Keyspace b = new Keyspace(B);
        ReplicaCore core = new ReplicaCore(new ReplicaCoreConfig(B, List.of(A),
                ReplicaCoreConfig.RETRANSMIT_PERIOD_MILLIS_DEFAULT, ReplicaCoreConfig.HOLD_BACK_MESSAGES_MAX_DEFAULT,
                60_000, 1024, ReplicaCoreConfig.WAITERS_MAX_DEFAULT, 10, 1), b, VersionVector.empty(), link);
        core.start(0);
        for (int i = 0; i < 3; i++) {
            core.commitLocal(b.set(Bytes.ofUtf8("local:" + i), Bytes.ofUtf8("v"), 1).delta());
        }
        core.onLocalDurable(3, 1);
        core.tick(20);
        assertThat(link.checkpoint).containsExactly("local:0");

        Keyspace a = new Keyspace(A);
        a.set(Bytes.ofUtf8("transferred"), Bytes.ofUtf8("from a"), 1);
        core.onMessage(A, ReplicationMessage.encode(new ReplicationMessage.Chunk(1, 7, 0, 1,
                Codecs.encode(Keyspace.CODEC, a.state()))), 21);
        core.onMessage(A, ReplicationMessage.encode(new ReplicationMessage.End(1, 7, a.context().copy(),
                VersionVector.empty(), 1)), 21);
        assertThat(core.transfersReceived()).isEqualTo(1);
        for (long now = 22; !link.checkpoint.contains("commit") && now < 100; now++) {
            core.tick(now);
        }
        assertThat(link.checkpoint).containsSubsequence("local:0", "transferred", "commit");
    }
}
