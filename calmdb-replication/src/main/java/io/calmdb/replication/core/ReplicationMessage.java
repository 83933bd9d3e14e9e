package io.calmdb.replication.core;

import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.CodecLimits;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.broadcast.RelayMessage;

/**
 * The messages nodes exchange over their links, and their binary form: a type byte, then the fields. Deltas
 * travel as the bytes the keyspace codec produced, so a receiver decodes them with the same strict decoder that
 * guards the disk.
 *
 * <ul>
 *   <li>{@link Broadcast}: a causal-broadcast message (a delta with its id and dependencies) or its acknowledgement.
 *   <li>{@link Digest}: a node's causal context and delivered vector, sent periodically to each peer; a peer whose
 *       context lacks what the sender had seen a round ago receives a state transfer.
 *   <li>{@link Chunk} and {@link End}: one state transfer, as a run of self-contained partial states followed by
 *       the context and delivered vector captured when the transfer began.
 * </ul>
 */
sealed interface ReplicationMessage {
    int TYPE_DATA = 1;
    int TYPE_ACK = 2;
    int TYPE_DIGEST = 3;
    int TYPE_CHUNK = 4;
    int TYPE_END = 5;
    int TYPE_BATCH = 6;
    /** The most relay messages one {@link Batch} carries. */
    int BATCH_MESSAGES_MAX = 4096;

    record Broadcast(RelayMessage<byte[]> message) implements ReplicationMessage {}

    /**
     * Several causal-broadcast messages (deltas and acknowledgements) for one peer, sent as one message: the core
     * sends one per peer per input, so a pipelined burst of writes costs one frame, not one per write.
     */
    record Batch(java.util.List<RelayMessage<byte[]>> messages) implements ReplicationMessage {
        public Batch {
            messages = java.util.List.copyOf(messages);
        }
    }

    record Digest(CausalContext context, VersionVector delivered) implements ReplicationMessage {}

    /** Chunk {@code index} (from 0) of transfer {@code transferId}: a receiver takes chunks strictly in order. */
    record Chunk(long transferId, long index, byte[] state) implements ReplicationMessage {}

    /**
     * The close of transfer {@code transferId}: the context and delivered vector captured when it began, how many
     * chunks it sent and the CRC-32C of their state bytes in order, so a receiver never joins chunks of another
     * transfer (a sender that restarted reuses transfer ids) under this one's context.
     */
    record End(long transferId, CausalContext context, VersionVector delivered, long chunks, long chunksChecksum)
            implements ReplicationMessage {}

    static byte[] encode(ReplicationMessage message) {
        ByteWriter out = new ByteWriter();
        switch (message) {
            case Broadcast broadcast -> writeRelay(out, broadcast.message());
            case Batch batch -> {
                out.writeByte(TYPE_BATCH);
                out.writeVarInt(batch.messages().size());
                for (RelayMessage<byte[]> relay : batch.messages()) {
                    writeRelay(out, relay);
                }
            }
            case Digest digest -> {
                out.writeByte(TYPE_DIGEST);
                out.writeBytes(digest.context().encode());
                writeVector(out, digest.delivered());
            }
            case Chunk chunk -> {
                out.writeByte(TYPE_CHUNK);
                out.writeVarLong(chunk.transferId());
                out.writeVarLong(chunk.index());
                out.writeBytes(chunk.state());
            }
            case End end -> {
                out.writeByte(TYPE_END);
                out.writeVarLong(end.transferId());
                out.writeBytes(end.context().encode());
                writeVector(out, end.delivered());
                out.writeVarLong(end.chunks());
                out.writeVarLong(end.chunksChecksum());
            }
        }
        return out.toByteArray();
    }

    /**
     * Decodes a message from a peer.
     *
     * @throws CodecException if the bytes are not exactly one well-formed message
     */
    static ReplicationMessage decode(byte[] bytes) throws CodecException {
        ByteReader in = new ByteReader(bytes);
        int type = in.readByte();
        ReplicationMessage message = switch (type) {
            case TYPE_DATA, TYPE_ACK -> new Broadcast(readRelay(in, type));
            case TYPE_BATCH -> {
                int count = in.readCount(BATCH_MESSAGES_MAX, 2, "batched message");
                java.util.List<RelayMessage<byte[]>> messages = new java.util.ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    int relayType = in.readByte();
                    if (relayType != TYPE_DATA && relayType != TYPE_ACK) {
                        throw in.fail("a batch holds only deltas and acknowledgements, not type " + relayType, 0);
                    }
                    messages.add(readRelay(in, relayType));
                }
                yield new Batch(messages);
            }
            case TYPE_DIGEST -> new Digest(readContext(in), readVector(in));
            case TYPE_CHUNK -> new Chunk(in.readVarLong(), in.readVarLong(),
                    in.readBytes(CodecLimits.VALUE_BYTES_MAX, "state chunk"));
            case TYPE_END -> new End(in.readVarLong(), readContext(in), readVector(in), in.readVarLong(),
                    in.readVarLong());
            default -> throw in.fail("unknown replication message type " + type, 0);
        };
        in.expectEnd();
        return message;
    }

    private static void writeRelay(ByteWriter out, RelayMessage<byte[]> relay) {
        switch (relay) {
            case RelayMessage.Data<byte[]> data -> {
                out.writeByte(TYPE_DATA);
                writeDot(out, data.id());
                writeVector(out, data.dependencies());
                out.writeBytes(data.payload());
            }
            case RelayMessage.Ack<byte[]> ack -> {
                out.writeByte(TYPE_ACK);
                writeDot(out, ack.id());
            }
        }
    }

    private static RelayMessage<byte[]> readRelay(ByteReader in, int type) throws CodecException {
        if (type == TYPE_DATA) {
            return new RelayMessage.Data<>(readDot(in), readVector(in), in.readBytes(CodecLimits.VALUE_BYTES_MAX, "delta"));
        }
        return new RelayMessage.Ack<>(readDot(in));
    }

    private static void writeDot(ByteWriter out, Dot dot) {
        out.writeReplicaId(dot.replica());
        out.writeVarLong(dot.counter());
    }

    private static Dot readDot(ByteReader in) throws CodecException {
        ReplicaId replica = in.readReplicaId();
        return new Dot(replica, in.readVarLong(1, Dot.COUNTER_MAX, "message counter"));
    }

    private static void writeVector(ByteWriter out, VersionVector vector) {
        out.writeVarInt(vector.size());
        vector.forEach((replica, counter) -> {
            out.writeReplicaId(replica);
            out.writeVarLong(counter);
        });
    }

    private static VersionVector readVector(ByteReader in) throws CodecException {
        int size = in.readCount(CodecLimits.REPLICAS_MAX, 3, "vector entry");
        VersionVector vector = VersionVector.empty();
        ReplicaId previous = null;
        for (int i = 0; i < size; i++) {
            int at = in.position();
            ReplicaId replica = in.readReplicaId();
            if (previous != null && replica.compareTo(previous) <= 0) {
                throw in.fail("vector entries are not in strictly increasing replica order", at);
            }
            previous = replica;
            vector = vector.with(replica, in.readVarLong(1, Dot.COUNTER_MAX, "vector entry"));
        }
        return vector;
    }

    private static CausalContext readContext(ByteReader in) throws CodecException {
        return CausalContext.decode(in.readBytes(CodecLimits.VALUE_BYTES_MAX, "causal context"));
    }
}
