package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.CausalStream;
import io.calmdb.replication.broadcast.Outbox;
import io.calmdb.replication.broadcast.RelayMessage;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.server.transport.PeerTransport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A node's replication: the sans-IO causal stream carries every delta to the peers, and a state-transfer
 * anti-entropy repairs whatever the stream could not (a peer that was down, a partition longer than the
 * retransmission queue, an origin that crashed before shipping). Every method runs on the keyspace thread; the
 * transport hands inbound messages over to it.
 *
 * <p>Anti-entropy: every {@link NodeConfig.Limits#antiEntropyIntervalMillis()} each node sends each peer a
 * digest of its causal context. A node whose peer's context lacks something the node had already seen one round
 * earlier (so deltas still in flight do not count) streams its whole state to that peer in chunks of at most
 * {@link #CHUNK_BYTES_MAX}: self-contained per-key partial states, then the context and delivered vector captured
 * when the transfer began. The receiver assembles the chunks and joins the result as one complete state, which
 * applies the sender's removals too, then skips its causal stream past everything the state included.
 */
final class Replicator {
    /** The largest state chunk of a transfer, in encoded bytes (a single larger key forms its own chunk). */
    static final int CHUNK_BYTES_MAX = 256 * 1024;
    /** How often the causal stream is asked to retransmit what peers have not acknowledged, in milliseconds. */
    static final long RETRANSMIT_PERIOD_MILLIS = 200;
    /** The causal stream's hold-back bound, in messages. */
    static final int HOLD_BACK_MESSAGES_MAX = 65_536;

    private final CalmNode node;
    private final ReplicaId self;
    private final List<ReplicaId> peers;
    private final CausalStream<byte[]> stream;
    private PeerTransport transport;
    private final Outbox<RelayMessage<byte[]>, byte[]> outbox;
    // Anti-entropy state.
    private CausalContext contextOneRoundAgo = new CausalContext();
    private final Map<ReplicaId, OutgoingTransfer> outgoing = new HashMap<>();
    private final Map<ReplicaId, IncomingTransfer> incoming = new HashMap<>();
    private final Map<ReplicaId, VersionVector> peerDelivered = new TreeMap<>();
    // For WAIT: the contiguous prefix of our own messages each peer has acknowledged.
    private final Map<ReplicaId, ContiguousAcks> acknowledged = new HashMap<>();
    private long transfersSent;
    private long transfersReceived;
    private long malformedMessages;
    private long nextTransferId = 1;

    Replicator(CalmNode node, ReplicaId self, List<ReplicaId> peers, VersionVector restoredDelivered) {
        this.node = node;
        this.self = self;
        this.peers = List.copyOf(peers);
        List<ReplicaId> everyone = new ArrayList<>(peers);
        everyone.add(self);
        this.stream = Broadcasts.causalStream(self, everyone, RETRANSMIT_PERIOD_MILLIS, HOLD_BACK_MESSAGES_MAX,
                restoredDelivered);
        for (ReplicaId peer : peers) {
            acknowledged.put(peer, new ContiguousAcks(restoredDelivered.get(self)));
        }
        this.outbox = new Outbox<>() {
            @Override
            public void send(ReplicaId to, RelayMessage<byte[]> message) {
                if (transport != null) {
                    transport.send(to, ReplicationMessage.encode(new ReplicationMessage.Broadcast(message)));
                }
            }

            @Override
            public void deliver(Dot id, byte[] payload) {
                if (!id.replica().equals(self)) {
                    node.applyRemote(id, payload);
                }
            }

            @Override
            public void wakeAt(long atMillis) {
                // The node ticks the stream every few milliseconds anyway.
            }
        };
    }

    void attach(PeerTransport transport) {
        this.transport = transport;
        stream.start(System.currentTimeMillis(), outbox);
    }

    /** Ships a durable local delta; returns its broadcast id. */
    Dot broadcast(byte[] encodedDelta) {
        return stream.broadcast(encodedDelta, System.currentTimeMillis(), outbox);
    }

    /** The next id this node's stream will give a broadcast. */
    long nextOwnSequence() {
        return stream.delivered().get(self) + 1;
    }

    VersionVector delivered() {
        return stream.delivered();
    }

    /** A message from a peer, on the keyspace thread. */
    void onMessage(ReplicaId from, byte[] bytes) {
        ReplicationMessage message;
        try {
            message = ReplicationMessage.decode(bytes);
        } catch (CodecException e) {
            malformedMessages++;
            node.log().warn("dropping a malformed replication message from {}: {}", from, e.getMessage());
            return;
        }
        long now = System.currentTimeMillis();
        switch (message) {
            case ReplicationMessage.Broadcast broadcast -> {
                if (broadcast.message() instanceof RelayMessage.Ack<byte[]> ack && ack.id().replica().equals(self)) {
                    ContiguousAcks acks = acknowledged.get(from);
                    if (acks != null) {
                        acks.add(ack.id().counter());
                        node.acknowledgementsAdvanced();
                    }
                }
                stream.receive(from, broadcast.message(), now, outbox);
            }
            case ReplicationMessage.Digest digest -> onDigest(from, digest);
            case ReplicationMessage.Chunk chunk -> onChunk(from, chunk);
            case ReplicationMessage.End end -> onEnd(from, end);
        }
    }

    /** Periodic work: retransmissions and paced transfer chunks. */
    void tick() {
        stream.tick(System.currentTimeMillis(), outbox);
        for (Iterator<Map.Entry<ReplicaId, OutgoingTransfer>> it = outgoing.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ReplicaId, OutgoingTransfer> entry = it.next();
            if (entry.getValue().pump(entry.getKey())) {
                it.remove();
                transfersSent++;
            }
        }
    }

    /** Anti-entropy round: a digest to every peer. */
    void antiEntropyRound() {
        if (transport == null) {
            return;
        }
        Keyspace keyspace = node.keyspace();
        byte[] digest = ReplicationMessage.encode(new ReplicationMessage.Digest(keyspace.context().copy(), stream.delivered()));
        for (ReplicaId peer : peers) {
            transport.send(peer, digest);
        }
        contextOneRoundAgo = keyspace.context().copy();
    }

    private void onDigest(ReplicaId from, ReplicationMessage.Digest digest) {
        VersionVector previous = peerDelivered.put(from, digest.delivered());
        ContiguousAcks acks = acknowledged.get(from);
        if (acks != null) {
            // A peer that took our messages in through a state transfer never acknowledges them one by one.
            acks.advanceTo(digest.delivered().get(self));
            node.acknowledgementsAdvanced();
        }
        if (digest.context().includes(contextOneRoundAgo) || outgoing.containsKey(from)) {
            return;
        }
        // A peer that is still taking in this node's stream (what it delivered from us grew since its last digest,
        // and it has not yet delivered all we sent) is behind, not missing anything: the stream will bring it up.
        // Under a sustained write load a loaded peer can trail by more than one round, and a full state transfer
        // then only adds work to the node that is already behind (seen in ./calmdb bench server as a transfer every
        // round and a lag that never closed). A peer whose stream from us stalls for a round still gets a transfer.
        long deliveredFromUs = digest.delivered().get(self);
        if (previous != null && deliveredFromUs > previous.get(self) && deliveredFromUs < stream.delivered().get(self)) {
            return;
        }
        Keyspace keyspace = node.keyspace();
        long id = nextTransferId++;
        outgoing.put(from, new OutgoingTransfer(id, new ArrayList<>(keyspace.state().keys()),
                keyspace.context().copy(), stream.delivered()));
        node.log().info("peer {} lacks state this node had seen; starting state transfer {}", from, id);
    }

    private void onChunk(ReplicaId from, ReplicationMessage.Chunk chunk) {
        IncomingTransfer transfer = incoming.get(from);
        if (transfer == null || transfer.id != chunk.transferId()) {
            transfer = new IncomingTransfer(chunk.transferId());
            incoming.put(from, transfer);
        }
        try {
            transfer.staging.merge(Codecs.decode(Keyspace.CODEC, chunk.state()));
            transfer.chunks++;
        } catch (CodecException e) {
            malformedMessages++;
            incoming.remove(from);
            node.log().warn("dropping state transfer {} from {}: a chunk does not decode: {}", chunk.transferId(), from,
                    e.getMessage());
        }
    }

    private void onEnd(ReplicaId from, ReplicationMessage.End end) {
        IncomingTransfer transfer = incoming.remove(from);
        if (transfer == null && end.chunks() == 0) {
            transfer = new IncomingTransfer(end.transferId());
        }
        if (transfer == null || transfer.id != end.transferId() || transfer.chunks != end.chunks()) {
            // A chunk went missing (a link broke mid-transfer); the next digest round starts a fresh transfer.
            return;
        }
        transfer.staging.restoreContext(end.context());
        node.applyTransfer(from, transfer.staging);
        stream.skipTo(end.delivered(), outbox);
        transfersReceived++;
    }

    /** The acknowledged prefix of our own messages at each peer. */
    Map<ReplicaId, Long> acknowledgedByPeer() {
        Map<ReplicaId, Long> result = new LinkedHashMap<>();
        acknowledged.forEach((peer, acks) -> result.put(peer, acks.floor()));
        return result;
    }

    /** How many peers have acknowledged our own message {@code sequence} and everything before it. */
    int peersAcknowledging(long sequence) {
        int count = 0;
        for (ContiguousAcks acks : acknowledged.values()) {
            if (acks.floor() >= sequence) {
                count++;
            }
        }
        return count;
    }

    Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("delivered", stream.delivered().toString());
        status.putAll(stream.gauges());
        status.put("transfersSent", transfersSent);
        status.put("transfersReceived", transfersReceived);
        status.put("transfersInProgress", outgoing.size());
        status.put("malformedMessages", malformedMessages);
        return status;
    }

    /** What each peer reported delivering in its last digest. */
    Map<ReplicaId, VersionVector> peerDelivered() {
        return peerDelivered;
    }

    /** An outgoing state transfer, sent a chunk at a time as the link has room. */
    private final class OutgoingTransfer {
        private final long id;
        private final List<Bytes> keys;
        private final CausalContext context;
        private final VersionVector delivered;
        private int nextKey;
        private long chunksSent;
        private byte[] pendingChunk;

        OutgoingTransfer(long id, List<Bytes> keys, CausalContext context, VersionVector delivered) {
            this.id = id;
            this.keys = keys;
            this.context = context;
            this.delivered = delivered;
        }

        /** Sends what the link takes now; true when the transfer is complete. */
        boolean pump(ReplicaId peer) {
            for (int sent = 0; sent < 8; sent++) {
                if (pendingChunk == null) {
                    pendingChunk = nextChunk();
                }
                if (pendingChunk == null) {
                    byte[] end = ReplicationMessage.encode(new ReplicationMessage.End(id, context, delivered, chunksSent));
                    return transport.send(peer, end);
                }
                if (!transport.send(peer, pendingChunk)) {
                    return false;
                }
                pendingChunk = null;
                chunksSent++;
            }
            return false;
        }

        private byte[] nextChunk() {
            Keyspace keyspace = node.keyspace();
            OrMap<Bytes, KeyValue> chunk = null;
            int approximateBytes = 0;
            while (nextKey < keys.size() && approximateBytes < CHUNK_BYTES_MAX) {
                OrMap<Bytes, KeyValue> extract = keyspace.extract(keys.get(nextKey++));
                if (extract == null) {
                    continue;
                }
                approximateBytes += Codecs.encode(Keyspace.CODEC, extract).length;
                chunk = chunk == null ? extract : chunk.merge(extract);
            }
            if (chunk == null) {
                return null;
            }
            return ReplicationMessage.encode(new ReplicationMessage.Chunk(id, Codecs.encode(Keyspace.CODEC, chunk)));
        }
    }

    /** A transfer being received: chunks accumulate into a staging state. */
    private static final class IncomingTransfer {
        private final long id;
        private final OrMap<Bytes, KeyValue> staging = new OrMap<>(KeyValue.type());
        private long chunks;

        IncomingTransfer(long id) {
            this.id = id;
        }
    }

    /** The contiguous prefix of acknowledged sequence numbers, with the ones above it remembered (bounded by use). */
    static final class ContiguousAcks {
        private long floor;
        private final java.util.TreeSet<Long> above = new java.util.TreeSet<>();

        ContiguousAcks(long floor) {
            this.floor = floor;
        }

        void add(long sequence) {
            if (sequence <= floor) {
                return;
            }
            above.add(sequence);
            while (!above.isEmpty() && above.first() == floor + 1) {
                floor = above.pollFirst();
            }
        }

        void advanceTo(long sequence) {
            if (sequence > floor) {
                floor = sequence;
                above.headSet(floor, true).clear();
                while (!above.isEmpty() && above.first() == floor + 1) {
                    floor = above.pollFirst();
                }
            }
        }

        long floor() {
            return floor;
        }
    }
}
