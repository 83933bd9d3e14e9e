package io.calmdb.replication.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.broadcast.RelayMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The wire form of the replica core's messages: batches round-trip exactly, compact forms included. */
class ReplicationMessageTest {
    private static final ReplicaId A = ReplicaId.of("virginia");
    private static final ReplicaId B = ReplicaId.of("tokyo");

    /** Equality of relay messages by content (records compare byte arrays by identity). */
    private static String describe(RelayMessage<byte[]> message) {
        return switch (message) {
            case RelayMessage.Data<byte[]> data -> "data " + data.id() + " " + data.dependencies() + " "
                    + Arrays.toString(data.payload());
            case RelayMessage.Ack<byte[]> ack -> "ack " + ack.id();
        };
    }

    private static List<String> roundTrip(List<RelayMessage<byte[]>> messages) throws CodecException {
        byte[] encoded = ReplicationMessage.encode(new ReplicationMessage.Batch(messages));
        ReplicationMessage decoded = ReplicationMessage.decode(encoded);
        assertThat(decoded).isInstanceOf(ReplicationMessage.Batch.class);
        return ((ReplicationMessage.Batch) decoded).messages().stream().map(ReplicationMessageTest::describe).toList();
    }

    @Test
    void randomBatches_roundTripExactly() throws CodecException {
        long seed = 20261202;
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 500; round++) {
            List<RelayMessage<byte[]>> messages = new ArrayList<>();
            VersionVector dependencies = VersionVector.empty().with(B, 1 + random.nextInt(5));
            long counter = 1 + random.nextInt(100);
            int size = 1 + random.nextInt(40);
            for (int i = 0; i < size; i++) {
                switch (random.nextInt(4)) {
                    case 0 -> messages.add(new RelayMessage.Ack<>(Dot.of(random.nextBoolean() ? A : B,
                            1 + random.nextInt(20))));
                    case 1 -> messages.add(new RelayMessage.Ack<>(Dot.of(B, counter++)));
                    default -> {
                        byte[] payload = new byte[random.nextInt(20)];
                        random.nextBytes(payload);
                        Dot id = Dot.of(A, counter);
                        messages.add(new RelayMessage.Data<>(id, dependencies, payload));
                        // Mostly the next message of the origin, sometimes not, so both forms are written.
                        dependencies = random.nextInt(5) == 0 ? dependencies.with(B, 1 + random.nextInt(9))
                                : dependencies.with(A, counter);
                        counter += random.nextInt(5) == 0 ? 2 : 1;
                    }
                }
            }
            assertThat(roundTrip(messages)).as("seed %d round %d", seed, round)
                    .containsExactlyElementsOf(messages.stream().map(ReplicationMessageTest::describe).toList());
        }
    }

    @Test
    void consecutiveDeltas_costLittleMoreThanTheirPayloads() {
        List<RelayMessage<byte[]>> messages = new ArrayList<>();
        VersionVector dependencies = VersionVector.empty().with(B, 7);
        for (long counter = 1; counter <= 100; counter++) {
            messages.add(new RelayMessage.Data<>(Dot.of(A, counter), dependencies, new byte[50]));
            dependencies = dependencies.with(A, counter);
        }
        int encoded = ReplicationMessage.encode(new ReplicationMessage.Batch(messages)).length;
        // 50 payload bytes, one length byte and one type byte each, plus the first message's id and vector.
        assertThat(encoded).isLessThan(100 * 52 + 64);
    }

    @Test
    void anAcknowledgementRangeBeyondTheBatchBound_isRefused() {
        byte[] hostile = {ReplicationMessage.TYPE_BATCH, 1, ReplicationMessage.TYPE_ACK_RANGE};
        byte[] dot = ReplicationMessage.encode(new ReplicationMessage.Broadcast(new RelayMessage.Ack<>(Dot.of(A, 1))));
        byte[] count = {(byte) 0xff, (byte) 0xff, 0x7f};
        byte[] message = new byte[hostile.length + dot.length - 1 + count.length];
        System.arraycopy(hostile, 0, message, 0, hostile.length);
        System.arraycopy(dot, 1, message, hostile.length, dot.length - 1);
        System.arraycopy(count, 0, message, hostile.length + dot.length - 1, count.length);
        assertThatThrownBy(() -> ReplicationMessage.decode(message)).isInstanceOf(CodecException.class)
                .hasMessageContaining("acknowledgement range");
    }

    @Test
    void theStateTransferMessages_roundTrip_andAnEmptyChunkRangeIsRefused() throws CodecException {
        io.calmdb.crdt.CausalContext context = new io.calmdb.crdt.CausalContext();
        ReplicationMessage.Chunk chunk = (ReplicationMessage.Chunk) ReplicationMessage.decode(ReplicationMessage.encode(
                new ReplicationMessage.Chunk(3, Long.MAX_VALUE, 10, 25, new byte[] {1, 2, 3})));
        assertThat(List.of(chunk.transferId(), chunk.fingerprint(), chunk.firstKey(), chunk.endKey()))
                .containsExactly(3L, Long.MAX_VALUE, 10L, 25L);
        assertThat(chunk.state()).containsExactly(1, 2, 3);
        ReplicationMessage.End end = (ReplicationMessage.End) ReplicationMessage.decode(ReplicationMessage.encode(
                new ReplicationMessage.End(3, 77, context, VersionVector.empty(), 25)));
        assertThat(List.of(end.transferId(), end.fingerprint(), end.keyCount())).containsExactly(3L, 77L, 25L);
        assertThat(ReplicationMessage.decode(ReplicationMessage.encode(new ReplicationMessage.Resume(3, 77, 10))))
                .isEqualTo(new ReplicationMessage.Resume(3, 77, 10));
        byte[] empty = ReplicationMessage.encode(new ReplicationMessage.Chunk(3, 77, 10, 11, new byte[0]));
        empty[4] = 10; // the endKey byte, after the type, id, fingerprint and firstKey bytes: now equal to firstKey
        assertThatThrownBy(() -> ReplicationMessage.decode(empty)).isInstanceOf(CodecException.class)
                .hasMessageContaining("key range");
    }
}
