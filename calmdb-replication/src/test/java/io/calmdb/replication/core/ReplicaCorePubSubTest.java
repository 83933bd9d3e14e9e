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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Pub/sub in the replica core: best effort to every peer, never stored, delivered at most once and in order. */
class ReplicaCorePubSubTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");

    /** Records what the core sends and delivers; fails on anything stored. */
    private static final class Recorder implements ReplicaEffects {
        final List<ReplicaId> sentTo = new ArrayList<>();
        final List<byte[]> sent = new ArrayList<>();
        final List<String> delivered = new ArrayList<>();
        long appended;

        @Override
        public boolean send(ReplicaId peer, byte[] message) {
            if (message[0] == ReplicationMessage.TYPE_PUBLISH) {
                sentTo.add(peer);
                sent.add(message);
            }
            return true;
        }

        @Override
        public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            appended++;
        }

        @Override
        public void appendRemote(Dot id, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {
            appended++;
        }

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
        public void published(ReplicaId origin, byte[] channel, byte[] message) {
            delivered.add(origin + "/" + new String(channel, StandardCharsets.UTF_8) + "/"
                    + new String(message, StandardCharsets.UTF_8));
        }

        @Override
        public void note(String message) {}
    }

    private static ReplicaCore core(ReplicaId self, List<ReplicaId> peers, Recorder effects, long startMillis) {
        ReplicaCore core = new ReplicaCore(ReplicaCoreConfig.of(self, peers, 1_000, 5_000), new Keyspace(self),
                VersionVector.empty(), effects);
        core.start(startMillis);
        return core;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aPublishOfManyMessages_roundTripsExactly() throws CodecException {
        long seed = 20261203;
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 300; round++) {
            List<PublishedMessage> messages = new ArrayList<>();
            int count = 1 + random.nextInt(20);
            for (int i = 0; i < count; i++) {
                byte[] channel = new byte[random.nextInt(40)];
                byte[] message = new byte[random.nextInt(200)];
                random.nextBytes(channel);
                random.nextBytes(message);
                messages.add(new PublishedMessage(channel, message));
            }
            long incarnation = random.nextLong(0, Long.MAX_VALUE);
            long sequence = random.nextLong(1, Long.MAX_VALUE - count);
            byte[] encoded = ReplicationMessage.encode(new ReplicationMessage.Publish(incarnation, sequence, messages));
            ReplicationMessage.Publish decoded = (ReplicationMessage.Publish) ReplicationMessage.decode(encoded);
            assertThat(decoded.incarnation()).as("seed %d round %d", seed, round).isEqualTo(incarnation);
            assertThat(decoded.firstSequence()).as("seed %d round %d", seed, round).isEqualTo(sequence);
            assertThat(decoded.messages()).as("seed %d round %d", seed, round).hasSize(count);
            for (int i = 0; i < count; i++) {
                assertThat(decoded.messages().get(i).channel()).isEqualTo(messages.get(i).channel());
                assertThat(decoded.messages().get(i).message()).isEqualTo(messages.get(i).message());
            }
            assertThat(ReplicationMessage.encode(decoded)).as("re-encoding matches").isEqualTo(encoded);
        }
    }

    @Test
    void aChannelOrMessageBeyondItsBound_isRefusedBeforeItIsSent() {
        byte[] longChannel = new byte[ReplicationMessage.PUBLISH_CHANNEL_BYTES_MAX + 1];
        byte[] longMessage = new byte[ReplicationMessage.PUBLISH_MESSAGE_BYTES_MAX + 1];
        ReplicaCore core = core(A, List.of(B), new Recorder(), 0);
        assertThatThrownBy(() -> core.publish(longChannel, utf8("m"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes a pub/sub channel may have");
        assertThatThrownBy(() -> core.publish(utf8("c"), longMessage)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bytes a pub/sub message may have");
    }

    @Test
    void aPublishBeyondItsBounds_doesNotDecode() {
        byte type = ReplicationMessage.TYPE_PUBLISH;
        // type, incarnation 1, sequence 1, one message, then a channel length far beyond the bound (varint 2^20).
        byte[] longChannel = {type, 1, 1, 1, (byte) 0x80, (byte) 0x80, 0x40};
        assertThatThrownBy(() -> ReplicationMessage.decode(longChannel)).isInstanceOf(CodecException.class)
                .hasMessageContaining("pub/sub channel");
        byte[] zeroSequence = {type, 1, 0, 1, 1, 'c', 1, 'm'};
        assertThatThrownBy(() -> ReplicationMessage.decode(zeroSequence)).isInstanceOf(CodecException.class)
                .hasMessageContaining("publish sequence");
        byte[] noMessages = {type, 1, 1, 0};
        assertThatThrownBy(() -> ReplicationMessage.decode(noMessages)).isInstanceOf(CodecException.class)
                .hasMessageContaining("not valid");
        // 5,000 messages claimed (varint 0x88 0x27): beyond PUBLISH_MESSAGES_MAX.
        byte[] tooMany = {type, 1, 1, (byte) 0x88, 0x27};
        assertThatThrownBy(() -> ReplicationMessage.decode(tooMany)).isInstanceOf(CodecException.class)
                .hasMessageContaining("pub/sub message");
    }

    @Test
    void aBurstOfPublishes_travelsAsOneFramePerPeer_andAFramePartlySeenBeforeDeliversOnlyTheNewMessages() {
        Recorder publisher = new Recorder();
        ReplicaCore a = core(A, List.of(B, C), publisher, 0);
        List<PublishedMessage> burst = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            burst.add(new PublishedMessage(utf8("ch"), utf8("m" + i)));
        }
        a.publish(burst.subList(0, 2));
        a.publish(burst.subList(2, 100));
        assertThat(publisher.sentTo).containsExactly(B, C, B, C);
        Recorder subscriber = new Recorder();
        ReplicaCore b = core(B, List.of(A), subscriber, 0);
        b.onMessage(A, publisher.sent.get(2), 1);
        b.onMessage(A, publisher.sent.get(0), 1);
        b.onMessage(A, publisher.sent.get(2), 1);
        assertThat(subscriber.delivered).hasSize(98).startsWith("a/ch/m3").endsWith("a/ch/m100");
        assertThat(b.publishStatus()).containsEntry("publishesDropped", 100L);
    }

    @Test
    void aPublishedMessage_goesOnceToEveryPeer_andNothingIsLoggedOrStored() {
        Recorder effects = new Recorder();
        ReplicaCore core = core(A, List.of(B, C), effects, 0);
        core.publish(utf8("news"), utf8("hello"));
        assertThat(effects.sentTo).containsExactlyInAnyOrder(B, C);
        assertThat(effects.appended).isZero();
        assertThat(core.keyspace().size()).isZero();
        assertThat(core.lastLocalSequence()).isZero();
        // Ticks resend what the causal stream has not had acknowledged; a pub/sub message is not among it.
        for (long now = 1; now < 20_000; now += 500) {
            core.tick(now);
        }
        assertThat(effects.sentTo).hasSize(2);
    }

    @Test
    void aPeersMessages_areDeliveredInItsOrder_andADuplicateOrAStragglerIsDropped() {
        Recorder publisher = new Recorder();
        ReplicaCore a = core(A, List.of(B), publisher, 0);
        Recorder subscriber = new Recorder();
        ReplicaCore b = core(B, List.of(A), subscriber, 0);
        for (int i = 1; i <= 3; i++) {
            a.publish(utf8("ch"), utf8("m" + i));
        }
        b.onMessage(A, publisher.sent.get(0), 1);
        b.onMessage(A, publisher.sent.get(2), 1);
        b.onMessage(A, publisher.sent.get(1), 1);
        b.onMessage(A, publisher.sent.get(2), 1);
        assertThat(subscriber.delivered).containsExactly("a/ch/m1", "a/ch/m3");
        assertThat(b.publishStatus()).containsEntry("publishesDelivered", 2L).containsEntry("publishesDropped", 2L);
    }

    @Test
    void aRestartedPublisher_isHeardFromItsFirstMessage_whileItsOldLifesStragglersAreDropped() {
        Recorder oldLife = new Recorder();
        ReplicaCore before = core(A, List.of(B), oldLife, 1_000);
        before.publish(utf8("ch"), utf8("old1"));
        before.publish(utf8("ch"), utf8("old2"));
        Recorder subscriber = new Recorder();
        ReplicaCore b = core(B, List.of(A), subscriber, 0);
        b.onMessage(A, oldLife.sent.get(1), 2_000);

        Recorder newLife = new Recorder();
        ReplicaCore after = core(A, List.of(B), newLife, 5_000);
        after.publish(utf8("ch"), utf8("new1"));
        b.onMessage(A, newLife.sent.get(0), 6_000);
        b.onMessage(A, oldLife.sent.get(0), 6_000);
        assertThat(subscriber.delivered).containsExactly("a/ch/old2", "a/ch/new1");
    }
}
