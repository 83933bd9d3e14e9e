package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a {@link PeerTransport} needs: who this node is, where it listens, its peers, and the limits that
 * bound its memory and its patience. Build one with {@link #builder(ReplicaId, String)}; every limit has a
 * default suited to a three-region cluster, documented on its builder method and in {@code docs/transport.md}.
 *
 * @param self                          this node's replica id, sent in every handshake
 * @param clusterName                   peers must present the same name; it keeps two clusters on one network apart
 * @param listenHost                    address to accept peer connections on (loopback by default)
 * @param listenPort                    port to accept on; 0 picks an ephemeral port, see {@link PeerTransport#localAddress()}
 * @param peers                         the other replicas, each once, never {@code self}
 * @param frameBytesMax                 largest frame body accepted or sent, in bytes (one type byte plus the
 *                                      frame's content); a longer message travels as several frames
 * @param messageBytesMax               largest message accepted by {@link PeerTransport#send} or reassembled from
 *                                      a peer's fragments, in bytes
 * @param queueBytesMax                 per-peer bound on message bytes waiting to be written; at least
 *                                      {@code messageBytesMax}, so that a maximal message can always be queued
 * @param queueMessagesMax              per-peer bound on messages waiting to be written
 * @param connectTimeout                how long one TCP connect may take
 * @param reconnectBackoffMin           first reconnection delay; doubles per failed attempt
 * @param reconnectBackoffMax           cap of the reconnection delay
 * @param handshakeTimeout              a connection that has not completed its handshake by then is closed
 * @param heartbeatInterval             an idle link sends a heartbeat frame this often
 * @param idleTimeout                   a link that received nothing for this long is considered dead and closed
 * @param writeBufferHighWaterMarkBytes Netty's outbound buffer above which a channel turns unwritable
 * @param ioThreads                     number of Netty event-loop threads for links (plus one acceptor thread)
 * @param jitterSeed                    seed of the random source that jitters reconnection delays
 * @param clusterSecret                 the shared secret both ends of every link prove they know (an HMAC-SHA256
 *                                      challenge and response in the handshake), or null for none; at least
 *                                      {@link #CLUSTER_SECRET_BYTES_MIN} bytes
 * @param serverTls                     mutual TLS for accepted links (requires a client certificate), or null
 * @param clientTls                     mutual TLS for dialed links, or null; set both or neither. With TLS, each
 *                                      end checks that the other's certificate names the region it claims
 */
public record TransportConfig(
        ReplicaId self,
        String clusterName,
        String listenHost,
        int listenPort,
        List<PeerConfig> peers,
        int frameBytesMax,
        int messageBytesMax,
        long queueBytesMax,
        int queueMessagesMax,
        Duration connectTimeout,
        Duration reconnectBackoffMin,
        Duration reconnectBackoffMax,
        Duration handshakeTimeout,
        Duration heartbeatInterval,
        Duration idleTimeout,
        int writeBufferHighWaterMarkBytes,
        int ioThreads,
        long jitterSeed,
        byte[] clusterSecret,
        io.netty.handler.ssl.SslContext serverTls,
        io.netty.handler.ssl.SslContext clientTls) {

    /** The shortest cluster secret accepted, in bytes: 128 bits of a random token written as text. */
    public static final int CLUSTER_SECRET_BYTES_MIN = 16;

    /** Default {@link #frameBytesMax()}: 8 MiB, room for a bounded anti-entropy batch. */
    public static final int DEFAULT_FRAME_BYTES_MAX = 8 * 1024 * 1024;
    /** The smallest allowed {@link #frameBytesMax()}, in bytes; a handshake must fit. */
    public static final int FRAME_BYTES_MIN = WireProtocol.HANDSHAKE_FRAME_BYTES_MAX;
    /** The largest allowed {@link #frameBytesMax()}, in bytes: 256 MiB. */
    public static final int FRAME_BYTES_MAX_LIMIT = 256 * 1024 * 1024;
    /**
     * Default {@link #messageBytesMax()}: 128 MiB, enough for the delta of the largest command the Redis front door
     * accepts by default. {@code RespServerConfig} bounds one command to {@code commandBytesMax} = 64 MiB of
     * argument bytes and {@code multibulkArgumentsMax} = 1,048,576 arguments. The delta of a command carries each
     * argument's bytes once plus per-element metadata (a dot, a timestamp, length prefixes); that measured about 20
     * bytes per argument for {@code MSET}, and 64 MiB of room for it allows 64 bytes for each of the 1,048,576
     * arguments, which also covers the few hundred bytes of the replication envelope around the delta. A node
     * that raises the RESP bounds must raise this one with them.
     */
    public static final int DEFAULT_MESSAGE_BYTES_MAX = 128 * 1024 * 1024;
    /**
     * The largest allowed {@link #messageBytesMax()}, in bytes: 1 GiB. A message is reassembled into one Java array,
     * whose length is an int, and a message this large already takes many seconds on a WAN link.
     */
    public static final int MESSAGE_BYTES_MAX_LIMIT = 1024 * 1024 * 1024;
    /**
     * Default {@link #queueBytesMax()}: 192 MiB per peer, room for one maximal message
     * ({@link #DEFAULT_MESSAGE_BYTES_MAX}) on top of 64 MiB of ordinary traffic, so that a large message is refused
     * only while a backlog of other messages is waiting, never for good.
     */
    public static final long DEFAULT_QUEUE_BYTES_MAX = DEFAULT_MESSAGE_BYTES_MAX + 64L * 1024 * 1024;
    /** Default {@link #queueMessagesMax()}: 100,000 messages per peer. */
    public static final int DEFAULT_QUEUE_MESSAGES_MAX = 100_000;
    /** Default {@link #writeBufferHighWaterMarkBytes()}: 1 MiB; the low water mark is a quarter of it. */
    public static final int DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK_BYTES = 1024 * 1024;
    /** Default {@link #ioThreads()}. */
    public static final int DEFAULT_IO_THREADS = 2;
    /** The most event-loop threads a transport may use; a handful of peers never needs more. */
    public static final int IO_THREADS_MAX = 16;
    /** The longest accepted cluster name, in characters. */
    public static final int CLUSTER_NAME_LENGTH_MAX = 64;

    public TransportConfig {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(listenHost, "listenHost");
        if (clusterSecret != null && clusterSecret.length < CLUSTER_SECRET_BYTES_MIN) {
            throw new IllegalArgumentException("clusterSecret must be at least " + CLUSTER_SECRET_BYTES_MIN
                    + " bytes, got " + clusterSecret.length);
        }
        clusterSecret = clusterSecret == null ? null : clusterSecret.clone();
        if ((serverTls == null) != (clientTls == null)) {
            throw new IllegalArgumentException("serverTls and clientTls must be set together");
        }
        Objects.requireNonNull(peers, "peers");
        checkClusterName(clusterName);
        if (listenHost.isBlank()) {
            throw new IllegalArgumentException("listenHost must not be blank");
        }
        if (listenPort < 0 || listenPort > 65_535) {
            throw new IllegalArgumentException("listenPort must be 0 to 65535, got " + listenPort);
        }
        peers = List.copyOf(peers);
        Set<ReplicaId> seen = new HashSet<>();
        for (PeerConfig peer : peers) {
            if (peer.id().equals(self)) {
                throw new IllegalArgumentException("peers must not contain this node's own id " + self);
            }
            if (!seen.add(peer.id())) {
                throw new IllegalArgumentException("peers lists replica " + peer.id() + " twice");
            }
        }
        if (frameBytesMax < FRAME_BYTES_MIN || frameBytesMax > FRAME_BYTES_MAX_LIMIT) {
            throw new IllegalArgumentException("frameBytesMax must be " + FRAME_BYTES_MIN + " to "
                    + FRAME_BYTES_MAX_LIMIT + ", got " + frameBytesMax);
        }
        if (messageBytesMax < 1 || messageBytesMax > MESSAGE_BYTES_MAX_LIMIT) {
            throw new IllegalArgumentException("messageBytesMax must be 1 to " + MESSAGE_BYTES_MAX_LIMIT + ", got "
                    + messageBytesMax);
        }
        if (queueBytesMax < messageBytesMax) {
            throw new IllegalArgumentException("queueBytesMax " + queueBytesMax + " must be at least messageBytesMax "
                    + messageBytesMax + ", or a message of the largest allowed size could never be queued");
        }
        if (queueMessagesMax < 1) {
            throw new IllegalArgumentException("queueMessagesMax must be positive, got " + queueMessagesMax);
        }
        checkPositive(connectTimeout, "connectTimeout");
        checkPositive(reconnectBackoffMin, "reconnectBackoffMin");
        checkPositive(reconnectBackoffMax, "reconnectBackoffMax");
        if (reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
            throw new IllegalArgumentException("reconnectBackoffMax " + reconnectBackoffMax
                    + " must not be below reconnectBackoffMin " + reconnectBackoffMin);
        }
        checkPositive(handshakeTimeout, "handshakeTimeout");
        checkPositive(heartbeatInterval, "heartbeatInterval");
        checkPositive(idleTimeout, "idleTimeout");
        if (idleTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("idleTimeout " + idleTimeout
                    + " must be at least twice heartbeatInterval " + heartbeatInterval
                    + ", or one late heartbeat would cut a healthy link");
        }
        if (writeBufferHighWaterMarkBytes < 1024) {
            throw new IllegalArgumentException(
                    "writeBufferHighWaterMarkBytes must be at least 1024, got " + writeBufferHighWaterMarkBytes);
        }
        if (ioThreads < 1 || ioThreads > IO_THREADS_MAX) {
            throw new IllegalArgumentException("ioThreads must be 1 to " + IO_THREADS_MAX + ", got " + ioThreads);
        }
    }

    /** A builder with every limit at its default, listening on loopback at an ephemeral port, with no peers. */
    public static Builder builder(ReplicaId self, String clusterName) {
        return new Builder(self, clusterName);
    }

    /** The configured peer with this id, or {@code null}. */
    PeerConfig peer(ReplicaId id) {
        for (PeerConfig peer : peers) {
            if (peer.id().equals(id)) {
                return peer;
            }
        }
        return null;
    }

    static void checkClusterName(String clusterName) {
        if (clusterName.isEmpty() || clusterName.length() > CLUSTER_NAME_LENGTH_MAX) {
            throw new IllegalArgumentException("clusterName must be 1 to " + CLUSTER_NAME_LENGTH_MAX
                    + " characters, got " + clusterName.length());
        }
        for (int i = 0; i < clusterName.length(); i++) {
            char c = clusterName.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!allowed) {
                throw new IllegalArgumentException(
                        "clusterName may hold only letters, digits, '.', '_' and '-', got '" + clusterName + "'");
            }
        }
    }

    private static void checkPositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /** Mutable builder of a {@link TransportConfig}; {@link #build()} validates every field. Not thread-safe. */
    public static final class Builder {
        private final ReplicaId self;
        private final String clusterName;
        private String listenHost = "127.0.0.1";
        private int listenPort = 0;
        private final List<PeerConfig> peers = new ArrayList<>();
        private int frameBytesMax = DEFAULT_FRAME_BYTES_MAX;
        private int messageBytesMax = DEFAULT_MESSAGE_BYTES_MAX;
        private long queueBytesMax = DEFAULT_QUEUE_BYTES_MAX;
        private int queueMessagesMax = DEFAULT_QUEUE_MESSAGES_MAX;
        private Duration connectTimeout = Duration.ofSeconds(3);
        private Duration reconnectBackoffMin = Duration.ofMillis(100);
        private Duration reconnectBackoffMax = Duration.ofSeconds(5);
        private Duration handshakeTimeout = Duration.ofSeconds(5);
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration idleTimeout = Duration.ofSeconds(10);
        private int writeBufferHighWaterMarkBytes = DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK_BYTES;
        private int ioThreads = DEFAULT_IO_THREADS;
        private byte[] clusterSecret;
        private io.netty.handler.ssl.SslContext serverTls;
        private io.netty.handler.ssl.SslContext clientTls;
        private long jitterSeed;

        private Builder(ReplicaId self, String clusterName) {
            this.self = Objects.requireNonNull(self, "self");
            this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
            this.jitterSeed = self.name().hashCode();
        }

        /** Where to accept peer connections; default {@code 127.0.0.1:0} (loopback, ephemeral port). */
        public Builder listen(String host, int port) {
            this.listenHost = host;
            this.listenPort = port;
            return this;
        }

        /** Adds a peer without injected latency. */
        public Builder peer(ReplicaId id, String host, int port) {
            return peer(PeerConfig.of(id, host, port));
        }

        /** Adds a peer. */
        public Builder peer(PeerConfig peer) {
            peers.add(Objects.requireNonNull(peer, "peer"));
            return this;
        }

        /**
         * Largest frame body in bytes (type byte plus message bytes); default
         * {@value TransportConfig#DEFAULT_FRAME_BYTES_MAX}. Longer messages are split into several frames.
         */
        public Builder frameBytesMax(int bytes) {
            this.frameBytesMax = bytes;
            return this;
        }

        /**
         * Largest message in bytes, sent or reassembled; default {@value TransportConfig#DEFAULT_MESSAGE_BYTES_MAX}.
         */
        public Builder messageBytesMax(int bytes) {
            this.messageBytesMax = bytes;
            return this;
        }

        /** Per-peer bound on queued message bytes, at least {@code messageBytesMax}; default 192 MiB. */
        public Builder queueBytesMax(long bytes) {
            this.queueBytesMax = bytes;
            return this;
        }

        /** Per-peer bound on queued messages; default {@value TransportConfig#DEFAULT_QUEUE_MESSAGES_MAX}. */
        public Builder queueMessagesMax(int messages) {
            this.queueMessagesMax = messages;
            return this;
        }

        /** Bound on one TCP connect; default 3 seconds. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Reconnection delay range; default 100 ms doubling up to 5 s, each delay jittered. */
        public Builder reconnectBackoff(Duration min, Duration max) {
            this.reconnectBackoffMin = min;
            this.reconnectBackoffMax = max;
            return this;
        }

        /** Time a new connection has to complete its handshake; default 5 seconds. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = timeout;
            return this;
        }

        /** Heartbeat period of an idle link and the silence after which a link is closed; default 1 s and 10 s. */
        public Builder heartbeat(Duration interval, Duration idleTimeout) {
            this.heartbeatInterval = interval;
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** Netty's per-channel high water mark in bytes; default 1 MiB. */
        public Builder writeBufferHighWaterMarkBytes(int bytes) {
            this.writeBufferHighWaterMarkBytes = bytes;
            return this;
        }

        /** Event-loop threads; default {@value TransportConfig#DEFAULT_IO_THREADS}. */
        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        /** Mutual TLS on every link; see {@link TransportConfig#serverTls()}. */
        public Builder tls(io.netty.handler.ssl.SslContext server, io.netty.handler.ssl.SslContext client) {
            this.serverTls = server;
            this.clientTls = client;
            return this;
        }

        /** See {@link TransportConfig#clusterSecret()}; null for none. */
        public Builder clusterSecret(byte[] secret) {
            this.clusterSecret = secret;
            return this;
        }

        /** Seed of the reconnection jitter; default derived from the replica id so runs are repeatable. */
        public Builder jitterSeed(long seed) {
            this.jitterSeed = seed;
            return this;
        }

        /** Validates and returns the configuration. */
        public TransportConfig build() {
            return new TransportConfig(self, clusterName, listenHost, listenPort, peers, frameBytesMax,
                    messageBytesMax, queueBytesMax, queueMessagesMax, connectTimeout, reconnectBackoffMin,
                    reconnectBackoffMax, handshakeTimeout, heartbeatInterval, idleTimeout, writeBufferHighWaterMarkBytes,
                    ioThreads, jitterSeed, clusterSecret, serverTls, clientTls);
        }
    }
}
