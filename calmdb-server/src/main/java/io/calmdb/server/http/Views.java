package io.calmdb.server.http;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CausalCounter;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.HlcTimestamp;
import io.calmdb.crdt.MvRegister;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.replication.keyspace.Kind;
import io.calmdb.replication.keyspace.StringValue;
import io.calmdb.server.node.NodeStatus;
import io.calmdb.server.transport.LinkSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The JSON shapes of the API, built as ordered maps and lists so that Jackson renders them with stable field
 * order. Key views run on the keyspace thread (they read live CRDT state); cluster views read a {@link NodeStatus}.
 */
final class Views {
    private Views() {}

    /** {@code {"key":..,"type":..,"value":..}}; type and value are null when the key is absent. */
    static Map<String, Object> key(Keyspace keyspace, Bytes key, ValueEncoding encoding) throws KeyspaceException {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("key", key.toUtf8());
        Kind kind = keyspace.type(key);
        view.put("type", kind == null ? null : kind.redisName());
        view.put("value", kind == null ? null : switch (kind) {
            case STRING -> keyspace.get(key).map(encoding::encode).orElse(null);
            case SET -> {
                List<String> members = new ArrayList<>();
                for (Bytes member : new TreeSet<>(keyspace.setMembers(key))) {
                    members.add(encoding.encode(member));
                }
                yield members;
            }
            case HASH -> {
                Map<String, String> fields = new LinkedHashMap<>();
                new TreeMap<>(keyspace.hashGetAll(key)).forEach((field, value) ->
                        fields.put(encoding.encode(field), encoding.encode(value)));
                yield fields;
            }
            case BOUNDED_COUNTER -> keyspace.boundedGet(key);
            case ID_NAMESPACE -> null;
        });
        return view;
    }

    /**
     * The CRDT internals of one key on this replica: the kind register, the string slot's register writes and
     * counter entries, the set slot's members with the dots that keep them, the hash slot's fields, and the
     * keyspace's causal context. Null when the keyspace holds nothing for the key.
     */
    static Map<String, Object> keyState(Keyspace keyspace, Bytes key, ValueEncoding encoding) {
        KeyValue value = keyspace.state().get(key);
        if (value == null) {
            return null;
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("key", key.toUtf8());
        view.put("replica", keyspace.replica().name());
        Kind kind = value.kind();
        view.put("type", kind == null ? null : kind.redisName());
        List<Object> kinds = new ArrayList<>();
        for (var write : value.kindRegister().writes()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dot", dot(write.getKey()));
            entry.put("kind", kindName(write.getValue().value()));
            entry.put("timestamp", timestamp(write.getValue().timestamp()));
            kinds.add(entry);
        }
        view.put("kindRegister", kinds);
        view.put("string", string(value.string(), encoding));
        List<Object> members = new ArrayList<>();
        new TreeMap<>(value.set().dots()).forEach((member, dots) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("member", encoding.encode(member));
            entry.put("dots", dots.stream().map(Views::dot).toList());
            members.add(entry);
        });
        view.put("set", Map.of("members", members));
        List<Object> fields = new ArrayList<>();
        for (Bytes field : new TreeSet<>(value.hash().keys())) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("field", encoding.encode(field));
            entry.putAll(string(value.hash().get(field), encoding));
            fields.add(entry);
        }
        view.put("hash", Map.of("fields", fields));
        view.put("context", context(keyspace.context()));
        return view;
    }

    private static Map<String, Object> string(StringValue value, ValueEncoding encoding) {
        Map<String, Object> view = new LinkedHashMap<>();
        if (value == null) {
            view.put("value", null);
            view.put("registerWrites", List.of());
            view.put("counter", List.of());
            return view;
        }
        view.put("value", value.value().map(encoding::encode).orElse(null));
        List<Object> writes = new ArrayList<>();
        for (Map.Entry<Dot, MvRegister.Write<Bytes>> write : value.register().writes()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dot", dot(write.getKey()));
            entry.put("value", encoding.encode(write.getValue().value()));
            entry.put("timestamp", timestamp(write.getValue().timestamp()));
            writes.add(entry);
        }
        view.put("registerWrites", writes);
        List<Object> counter = new ArrayList<>();
        new TreeMap<>(value.counter().entries()).forEach((replica, totals) -> counter.add(counterEntry(replica, totals)));
        view.put("counter", counter);
        return view;
    }

    private static Map<String, Object> counterEntry(ReplicaId replica, CausalCounter.Totals totals) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("replica", replica.name());
        entry.put("increments", totals.increments());
        entry.put("decrements", totals.decrements());
        return entry;
    }

    /**
     * The kind register stores {@link Kind}'s numeric codes, which the keyspace module keeps package-private; they
     * are declared in the order string (1), set (2), hash (3), so the code is the declaration index plus one.
     */
    private static String kindName(long code) {
        Kind[] kinds = Kind.values();
        return code >= 1 && code <= kinds.length ? kinds[(int) code - 1].redisName() : "unknown(" + code + ")";
    }

    static Map<String, Object> dot(Dot dot) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("replica", dot.replica().name());
        view.put("counter", dot.counter());
        return view;
    }

    private static Map<String, Object> timestamp(HlcTimestamp timestamp) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("physicalMillis", timestamp.physicalMillis());
        view.put("logical", timestamp.logical());
        return view;
    }

    static Map<String, Object> context(CausalContext context) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("versionVector", vector(context.versionVector()));
        view.put("cloud", context.cloud().stream().map(Views::dot).toList());
        return view;
    }

    static Map<String, Long> vector(VersionVector vector) {
        return new TreeMap<>(vector.asMap()).entrySet().stream().collect(LinkedHashMap::new,
                (map, entry) -> map.put(entry.getKey().name(), entry.getValue()), Map::putAll);
    }

    /** {@code GET /v1/cluster}: this node, its peers and links, vectors, storage and queues. */
    static Map<String, Object> cluster(NodeStatus status) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("replica", status.replica().name());
        view.put("cluster", status.cluster());
        view.put("listen", status.transport().listenAddress().getHostString() + ":"
                + status.transport().listenAddress().getPort());
        view.put("ownSequence", status.ownSequence());
        view.put("versionVector", vector(status.versionVector()));
        view.put("delivered", vector(status.delivered()));
        view.put("partitioned", status.transport().partitioned().stream().map(ReplicaId::name).sorted().toList());
        List<Object> peers = new ArrayList<>();
        for (LinkSnapshot link : status.transport().links()) {
            Map<String, Object> peer = new LinkedHashMap<>();
            peer.put("replica", link.peer().name());
            peer.put("address", link.address());
            peer.put("state", link.state().name().toLowerCase(java.util.Locale.ROOT));
            peer.put("inboundUp", link.inboundUp());
            peer.put("link", link.directions().label());
            peer.put("oneWayForMillis", link.oneWay() ? link.directionsSteadyFor().toMillis() : 0);
            peer.put("writable", link.writable());
            peer.put("acknowledged", status.acknowledgedByPeer().getOrDefault(link.peer(), 0L));
            peer.put("lag", status.lag(link.peer()));
            VersionVector delivered = status.peerDelivered().get(link.peer());
            peer.put("delivered", delivered == null ? null : vector(delivered));
            peer.put("queuedMessages", link.queuedMessages());
            peer.put("queuedBytes", link.queuedBytes());
            peer.put("messagesSent", link.messagesSent());
            peer.put("bytesSent", link.bytesSent());
            peer.put("messagesReceived", link.messagesReceived());
            peer.put("bytesReceived", link.bytesReceived());
            peer.put("messagesRefused", link.messagesRefused());
            peer.put("messagesOversized", link.messagesOversized());
            peer.put("lastRefusal", link.lastRefusal().orElse(null));
            peer.put("connectAttempts", link.connectAttempts());
            peer.put("oneWayLatencyMillis", link.oneWayLatency().toMillis());
            peer.put("lastError", link.lastError().orElse(null));
            peer.put("lastInboundError", link.lastInboundError().orElse(null));
            peers.add(peer);
        }
        view.put("peers", peers);
        Map<String, Object> replication = new TreeMap<>(status.replicationGauges());
        view.put("replication", replication);
        view.put("storage", storage(status));
        Map<String, Object> keyspace = new LinkedHashMap<>();
        keyspace.put("keys", status.keys());
        keyspace.put("queueTasks", status.keyspaceQueueTasks());
        keyspace.put("remoteDeltasApplied", status.remoteDeltasApplied());
        view.put("keyspace", keyspace);
        return view;
    }

    static Map<String, Object> storage(NodeStatus status) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("fsyncPolicy", status.storage().fsyncPolicy().configName());
        view.put("lastPosition", status.storage().lastPosition());
        view.put("checkpointPosition", status.storage().checkpointPosition());
        view.put("pendingWrites", status.storage().pendingWrites());
        view.put("writtenRecords", status.storage().writtenRecords());
        return view;
    }

    /**
     * {@code GET /health}: {@code serving}, or {@code degraded} with one reason per problem. A node whose link to a
     * peer has been one-way for longer than {@code oneWayGraceMillis} is degraded: it still serves, but writes
     * cross that link in one direction only, so the two replicas drift apart until an operator fixes it. A link
     * that is wholly down or partitioned is not a reason: that is the partition the system is built to ride out.
     */
    static Map<String, Object> health(NodeStatus status, long oneWayGraceMillis) {
        List<String> reasons = new ArrayList<>();
        List<Object> peers = new ArrayList<>();
        for (LinkSnapshot link : status.transport().links()) {
            long oneWayMillis = link.oneWay() ? link.directionsSteadyFor().toMillis() : 0;
            if (link.oneWay() && oneWayMillis > oneWayGraceMillis) {
                reasons.add(oneWayReason(status.replica(), link, oneWayMillis, oneWayGraceMillis));
            }
            Map<String, Object> peer = new LinkedHashMap<>();
            peer.put("replica", link.peer().name());
            peer.put("outbound", link.outboundUp() ? "up" : "down");
            peer.put("inbound", link.inboundUp() ? "up" : "down");
            peer.put("status", link.directions().label());
            peer.put("oneWayForMillis", oneWayMillis);
            peers.add(peer);
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("status", reasons.isEmpty() ? "serving" : "degraded");
        view.put("reasons", reasons);
        view.put("replica", status.replica().name());
        view.put("cluster", status.cluster());
        view.put("storage", storage(status));
        Map<String, Object> links = new LinkedHashMap<>();
        links.put("total", status.transport().links().size());
        links.put("up", status.transport().links().stream()
                .filter(link -> link.state() == io.calmdb.server.transport.LinkState.UP).count());
        links.put("partitioned", status.transport().partitioned().size());
        links.put("oneWay", status.transport().links().stream().filter(LinkSnapshot::oneWay).count());
        links.put("oneWayGraceMillis", oneWayGraceMillis);
        links.put("peers", peers);
        view.put("links", links);
        view.put("keyspaceQueueTasks", status.keyspaceQueueTasks());
        return view;
    }

    /** Names the peer, the direction that is down and what it means, so an operator knows where to look. */
    private static String oneWayReason(ReplicaId self, LinkSnapshot link, long oneWayMillis, long graceMillis) {
        String peer = link.peer().name();
        String what = link.outboundUp()
                ? "inbound from " + peer + " is down: " + peer + "'s writes do not reach " + self.name()
                + " (check " + peer + "'s peer entry for " + self.name() + ")"
                : "outbound to " + peer + " at " + link.address() + " is down: " + self.name()
                + "'s writes do not reach " + peer + link.lastError().map(error -> " (last error: " + error + ")").orElse("");
        return "link to " + peer + " is one-way for " + oneWayMillis + " ms (grace " + graceMillis + " ms): " + what;
    }
}
