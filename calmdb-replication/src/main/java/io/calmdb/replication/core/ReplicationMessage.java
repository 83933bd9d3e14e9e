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
 *   <li>{@link Chunk} and {@link End}: one state transfer, as a run of self-contained partial states, each covering
 *       a range of the key list the transfer captured, followed by the context and delivered vector captured when
 *       the transfer began.
 *   <li>{@link Resume}: a receiver's request that a transfer go on from the first key it still lacks, so a lost or
 *       late chunk costs the chunks after it, not the whole transfer.
 *   <li>{@link Publish}: consecutive pub/sub messages, sent once to each peer and never stored, logged or resent.
 *   <li>{@link ReadRequest} and {@link ReadResponse}: a quorum read of one key, and its answer (or, unasked, a
 *       read repair) carrying the key's state.
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
    /** A claim routed to its authority (issue 8). */
    int TYPE_CLAIM_REQUEST = 10;
    /** The authority's decision on a routed claim (issue 8). */
    int TYPE_CLAIM_DECISION = 11;
    int TYPE_RESUME = 16;
    /** A pub/sub message (issue 9): delivered to the peer's subscribers, never stored. */
    int TYPE_PUBLISH = 9;
    /** The longest pub/sub channel name a {@link Publish} carries, in bytes. */
    int PUBLISH_CHANNEL_BYTES_MAX = 64 * 1024;
    /** The longest pub/sub message a {@link Publish} carries, in bytes. */
    int PUBLISH_MESSAGE_BYTES_MAX = 16 * 1024 * 1024;
    /** The most pub/sub messages one {@link Publish} carries. */
    int PUBLISH_MESSAGES_MAX = 4096;
    /** A quorum read's request for one key's state (issue 8). */
    int TYPE_READ_REQUEST = 14;
    /** A quorum read's answer, or a read repair (issue 8). */
    int TYPE_READ_RESPONSE = 15;
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

    /**
     * Part of transfer {@code transferId}: the state of the keys at positions {@code [firstKey, endKey)} of the key
     * list the transfer captured (a key deleted since contributes nothing, yet counts as covered). The fingerprint
     * identifies the transfer beyond its id, which a sender that restarted reuses: a receiver joins only chunks of
     * one fingerprint under one context.
     */
    record Chunk(long transferId, long fingerprint, long firstKey, long endKey, byte[] state)
            implements ReplicationMessage {}

    /**
     * The close of transfer {@code transferId}: the context and delivered vector captured when it began and how many
     * keys its list holds; the receiver applies the transfer once its chunks cover every one of them.
     */
    record End(long transferId, long fingerprint, CausalContext context, VersionVector delivered, long keyCount)
            implements ReplicationMessage {}

    /** A claim {@code claimId} routed to the authority of its name under slot-map {@code epoch}. */
    record ClaimRequestMessage(String claimId, long epoch, io.calmdb.replication.claim.ClaimRequest request)
            implements ReplicationMessage {}

    /**
     * The authority's decision, with the authority's broadcast sequence of the write it made for it (0 when it wrote
     * nothing): the requester answers once its causal stream delivered that write, so its client reads what it was
     * told was written.
     */
    record ClaimDecisionMessage(io.calmdb.replication.claim.ClaimResult result, long sequence)
            implements ReplicationMessage {}
    /** The receiver of transfer {@code transferId} lacks the keys from position {@code fromKey} on. */
    record Resume(long transferId, long fingerprint, long fromKey) implements ReplicationMessage {}
    /**
     * Pub/sub messages {@code firstSequence}, {@code firstSequence + 1}, ... (from 1) of the sender's life
     * {@code incarnation}, in publishing order: the receiver delivers only messages newer than the newest it
     * delivered from that sender, so it never delivers one twice or out of the sender's order; a message that
     * arrives late is dropped (at most once). One frame carries a burst of messages, not one frame each.
     */
    record Publish(long incarnation, long firstSequence, java.util.List<PublishedMessage> messages)
            implements ReplicationMessage {
        public Publish {
            messages = java.util.List.copyOf(messages);
            if (messages.isEmpty() || messages.size() > PUBLISH_MESSAGES_MAX) {
                throw new IllegalArgumentException("a publish carries 1 to " + PUBLISH_MESSAGES_MAX
                        + " messages, not " + messages.size());
            }
            if (firstSequence < 1 || firstSequence > Long.MAX_VALUE - messages.size()) {
                throw new IllegalArgumentException("first sequence " + firstSequence + " is not valid for "
                        + messages.size() + " messages");
            }
        }
    }

    /**
     * Quorum read {@code readId} asks for the state of {@code key}; {@code askerDots} are the dots the asker's own
     * value of the key holds, so the answer can say which of them the answering replica has removed.
     */
    record ReadRequest(long readId, byte[] key, CausalContext askerDots) implements ReplicationMessage {}

    /**
     * The answer to quorum read {@code readId} ({@link #REPAIR} when it is a read repair nobody asked for): a
     * {@code Keyspace.CODEC} partial state that lists only {@code key}, or, when the key's state would exceed the
     * answering replica's bound, no state and its size in {@code oversizedBytes} (0 otherwise).
     */
    record ReadResponse(long readId, byte[] key, byte[] state, long oversizedBytes) implements ReplicationMessage {
        /** The read id of a read repair: the receiver merges the state and counts it for no read. */
        static final long REPAIR = 0;
    }

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
                out.writeVarLong(chunk.fingerprint());
                out.writeVarLong(chunk.firstKey());
                out.writeVarLong(chunk.endKey());
                out.writeBytes(chunk.state());
            }
            case End end -> {
                out.writeByte(TYPE_END);
                out.writeVarLong(end.transferId());
                out.writeVarLong(end.fingerprint());
                out.writeBytes(end.context().encode());
                writeVector(out, end.delivered());
                out.writeVarLong(end.keyCount());
            }
            case Resume resume -> {
                out.writeByte(TYPE_RESUME);
                out.writeVarLong(resume.transferId());
                out.writeVarLong(resume.fingerprint());
                out.writeVarLong(resume.fromKey());
            }
            case Publish publish -> {
                out.writeByte(TYPE_PUBLISH);
                out.writeVarLong(publish.incarnation());
                out.writeVarLong(publish.firstSequence());
                out.writeVarInt(publish.messages().size());
                for (PublishedMessage published : publish.messages()) {
                    out.writeBytes(published.channel());
                    out.writeBytes(published.message());
                }
            }
            case ReadRequest request -> {
                out.writeByte(TYPE_READ_REQUEST);
                out.writeVarLong(request.readId());
                out.writeBytes(request.key());
                out.writeBytes(request.askerDots().encode());
            }
            case ReadResponse response -> {
                out.writeByte(TYPE_READ_RESPONSE);
                out.writeVarLong(response.readId());
                out.writeBytes(response.key());
                out.writeVarLong(response.oversizedBytes());
                out.writeBytes(response.state());
            }
            case ClaimRequestMessage claim -> ClaimCodec.writeRequest(out.writeByte(TYPE_CLAIM_REQUEST), claim);
            case ClaimDecisionMessage decision -> ClaimCodec.writeDecision(out.writeByte(TYPE_CLAIM_DECISION),
                    decision);
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
            case TYPE_CHUNK -> readChunk(in);
            case TYPE_END -> new End(in.readVarLong(), in.readVarLong(), readContext(in), readVector(in),
                    in.readVarLong());
            case TYPE_CLAIM_REQUEST -> ClaimCodec.readRequest(in);
            case TYPE_CLAIM_DECISION -> ClaimCodec.readDecision(in);
            case TYPE_RESUME -> new Resume(in.readVarLong(), in.readVarLong(), in.readVarLong());
            case TYPE_PUBLISH -> readPublish(in);
            case TYPE_READ_REQUEST -> new ReadRequest(in.readVarLong(),
                    in.readBytes(CodecLimits.VALUE_BYTES_MAX, "quorum read key"), readContext(in));
            case TYPE_READ_RESPONSE -> readResponse(in);
            case TYPE_RIGHTS_REQUEST -> new RightsRequest(in.readBytes(CodecLimits.VALUE_BYTES_MAX, "key"),
                    in.readVarLong(1, Long.MAX_VALUE, "rights amount"), in.readVarLong(0, Long.MAX_VALUE, "rights seen"),
                    in.readVarLong(0, 1, "urgent flag") == 1);
            default -> throw in.fail("unknown replication message type " + type, 0);
        };
        in.expectEnd();
        return message;
    }

    private static Chunk readChunk(ByteReader in) throws CodecException {
        long transferId = in.readVarLong();
        long fingerprint = in.readVarLong();
        long firstKey = in.readVarLong();
        long endKey = in.readVarLong();
        if (firstKey < 0 || endKey <= firstKey) {
            throw in.fail("a state chunk's key range [" + firstKey + ", " + endKey + ") is empty or negative", 0);
        }
        return new Chunk(transferId, fingerprint, firstKey, endKey,
                in.readBytes(CodecLimits.VALUE_BYTES_MAX, "state chunk"));
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

    private static Publish readPublish(ByteReader in) throws CodecException {
        long incarnation = in.readVarLong(0, Long.MAX_VALUE, "publish incarnation");
        int at = in.position();
        long firstSequence = in.readVarLong(1, Long.MAX_VALUE, "publish sequence");
        int count = in.readCount(PUBLISH_MESSAGES_MAX, 2, "pub/sub message");
        if (count == 0 || firstSequence > Long.MAX_VALUE - count) {
            throw in.fail("a publish of " + count + " messages from sequence " + firstSequence + " is not valid", at);
        }
        java.util.List<PublishedMessage> messages = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            messages.add(new PublishedMessage(in.readBytes(PUBLISH_CHANNEL_BYTES_MAX, "pub/sub channel"),
                    in.readBytes(PUBLISH_MESSAGE_BYTES_MAX, "pub/sub message")));
        }
        return new Publish(incarnation, firstSequence, messages);
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

    private static ReadResponse readResponse(ByteReader in) throws CodecException {
        long readId = in.readVarLong();
        byte[] key = in.readBytes(CodecLimits.VALUE_BYTES_MAX, "quorum read key");
        long oversizedBytes = in.readVarLong();
        return new ReadResponse(readId, key, in.readBytes(CodecLimits.VALUE_BYTES_MAX, "quorum read state"),
                oversizedBytes);
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
