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
 *   <li>{@link RightsRequest} (type 12, issue 8): a region short of bounded-counter rights asks a peer for some. The
 *       rights themselves move as a replicated state change of the counter (a delta on the causal stream), never in
 *       a message, so a request that is lost, duplicated or replayed can never create rights. Type 13 is reserved.
 * </ul>
 */
sealed interface ReplicationMessage {
    int TYPE_DATA = 1;
    int TYPE_ACK = 2;
    int TYPE_DIGEST = 3;
    int TYPE_CHUNK = 4;
    int TYPE_END = 5;
    int TYPE_BATCH = 6;
    /** In a batch: the delta right after the previous one from the same origin (its id and dependencies follow). */
    int TYPE_DATA_NEXT = 7;
    /** In a batch: acknowledgements of consecutive messages of one origin, as the first id and a count. */
    int TYPE_ACK_RANGE = 8;
    /** The most relay messages one {@link Batch} carries. */
    int BATCH_MESSAGES_MAX = 4096;
    /** A request for bounded-counter rights (issue 8). */
    int TYPE_RIGHTS_REQUEST = 12;

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

    /**
     * Asks the receiver for {@code amount} rights on bounded counter {@code key}. {@code seenFromYou} is the total the
     * receiver has transferred to the sender as far as the sender knows, so the receiver does not give again what is
     * still on its way. {@code urgent}: a client waits on it (the receiver may give all it holds); otherwise it is the
     * background rebalancing (the receiver gives at most half of what it holds).
     */
    record RightsRequest(byte[] key, long amount, long seenFromYou, boolean urgent) implements ReplicationMessage {}

    static byte[] encode(ReplicationMessage message) {
        ByteWriter out = new ByteWriter();
        switch (message) {
            case Broadcast broadcast -> writeRelay(out, broadcast.message());
            case Batch batch -> writeBatch(out, batch.messages());
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
            case RightsRequest request -> {
                out.writeByte(TYPE_RIGHTS_REQUEST);
                out.writeBytes(request.key());
                out.writeVarLong(request.amount());
                out.writeVarLong(request.seenFromYou());
                out.writeByte(request.urgent() ? 1 : 0);
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
            case TYPE_BATCH -> new Batch(readBatch(in));
            case TYPE_DIGEST -> new Digest(readContext(in), readVector(in));
            case TYPE_CHUNK -> new Chunk(in.readVarLong(), in.readVarLong(),
                    in.readBytes(CodecLimits.VALUE_BYTES_MAX, "state chunk"));
            case TYPE_END -> new End(in.readVarLong(), readContext(in), readVector(in), in.readVarLong(),
                    in.readVarLong());
            case TYPE_RIGHTS_REQUEST -> new RightsRequest(in.readBytes(CodecLimits.VALUE_BYTES_MAX, "key"),
                    in.readVarLong(1, Long.MAX_VALUE, "rights amount"), in.readVarLong(0, Long.MAX_VALUE, "rights seen"),
                    in.readVarLong(0, 1, "urgent flag") == 1);
            default -> throw in.fail("unknown replication message type " + type, 0);
        };
        in.expectEnd();
        return message;
    }

    /**
     * A batch's entries, written compactly: a delta that directly follows the previous delta of its origin (the usual
     * case: one origin's consecutive writes) is written as its payload alone, since its id and dependencies follow
     * from the previous one's; a run of acknowledgements of consecutive messages is written as one range. Without
     * this, the dependency vector would be most of a small write's bytes on the wire.
     */
    private static void writeBatch(ByteWriter out, java.util.List<RelayMessage<byte[]>> messages) {
        out.writeByte(TYPE_BATCH);
        int entries = 0;
        for (int i = 0; i < messages.size(); i += ackRunLength(messages, i)) {
            entries++;
        }
        out.writeVarInt(entries);
        RelayMessage.Data<byte[]> previousData = null;
        for (int i = 0; i < messages.size(); ) {
            RelayMessage<byte[]> relay = messages.get(i);
            int run = ackRunLength(messages, i);
            if (run > 1) {
                out.writeByte(TYPE_ACK_RANGE);
                writeDot(out, ((RelayMessage.Ack<byte[]>) relay).id());
                out.writeVarInt(run);
            } else if (relay instanceof RelayMessage.Data<byte[]> data && follows(previousData, data)) {
                out.writeByte(TYPE_DATA_NEXT);
                out.writeBytes(data.payload());
            } else {
                writeRelay(out, relay);
            }
            if (relay instanceof RelayMessage.Data<byte[]> data) {
                previousData = data;
            }
            i += run;
        }
    }

    /** How many acknowledgements of consecutive messages of one origin start at {@code from} (1 for anything else). */
    private static int ackRunLength(java.util.List<RelayMessage<byte[]>> messages, int from) {
        if (!(messages.get(from) instanceof RelayMessage.Ack<byte[]> first)) {
            return 1;
        }
        int run = 1;
        while (from + run < messages.size() && messages.get(from + run) instanceof RelayMessage.Ack<byte[]> next
                && next.id().replica().equals(first.id().replica())
                && next.id().counter() == first.id().counter() + run) {
            run++;
        }
        return run;
    }

    private static boolean follows(RelayMessage.Data<byte[]> previous, RelayMessage.Data<byte[]> data) {
        return previous != null && data.id().replica().equals(previous.id().replica())
                && data.id().counter() == previous.id().counter() + 1
                && data.dependencies().equals(nextDependencies(previous));
    }

    /** The dependencies of the message right after {@code previous} from its origin: previous's, plus previous. */
    private static VersionVector nextDependencies(RelayMessage.Data<byte[]> previous) {
        return previous.dependencies().with(previous.id().replica(), previous.id().counter());
    }

    private static java.util.List<RelayMessage<byte[]>> readBatch(ByteReader in) throws CodecException {
        int entries = in.readCount(BATCH_MESSAGES_MAX, 2, "batched message");
        java.util.List<RelayMessage<byte[]>> messages = new java.util.ArrayList<>(entries);
        RelayMessage.Data<byte[]> previousData = null;
        for (int i = 0; i < entries; i++) {
            int at = in.position();
            int type = in.readByte();
            switch (type) {
                case TYPE_DATA, TYPE_ACK -> messages.add(readRelay(in, type));
                case TYPE_DATA_NEXT -> {
                    if (previousData == null) {
                        throw in.fail("a delta that follows another comes first in its batch", at);
                    }
                    Dot id = new Dot(previousData.id().replica(), previousData.id().counter() + 1);
                    messages.add(new RelayMessage.Data<>(id, nextDependencies(previousData),
                            in.readBytes(CodecLimits.VALUE_BYTES_MAX, "delta")));
                }
                case TYPE_ACK_RANGE -> {
                    Dot first = readDot(in);
                    int count = (int) in.readVarLong(2, BATCH_MESSAGES_MAX, "acknowledgement range");
                    if (first.counter() > Dot.COUNTER_MAX - count) {
                        throw in.fail("an acknowledgement range of " + count + " from " + first + " is not valid", at);
                    }
                    for (int k = 0; k < count; k++) {
                        messages.add(new RelayMessage.Ack<>(new Dot(first.replica(), first.counter() + k)));
                    }
                }
                default -> throw in.fail("a batch holds only deltas and acknowledgements, not type " + type, at);
            }
            if (messages.size() > BATCH_MESSAGES_MAX) {
                throw in.fail("a batch expands to more than " + BATCH_MESSAGES_MAX + " messages", at);
            }
            if (messages.get(messages.size() - 1) instanceof RelayMessage.Data<byte[]> data) {
                previousData = data;
            }
        }
        return messages;
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
