package io.calmdb.server.node;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.storage.FsyncPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything one node needs to start: who it is, where it listens, who its peers are, where its data lives, and
 * its limits. Built in code with {@link #builder} or read from a YAML file with {@link #load}; either way
 * {@link #validate} has checked every field and named the bad one.
 *
 * <p>Example file (one node of a three-region cluster):
 *
 * <pre>
 * cluster: shop
 * replica: tokyo
 * dataDirectory: /var/lib/calmdb
 * fsync: everysec              # always | everysec | no, as Redis's appendfsync
 * resp:        { host: 0.0.0.0, port: 6379 }
 * http:        { host: 0.0.0.0, port: 7080 }
 * replication: { host: 0.0.0.0, port: 7379 }
 * requirepass: a-long-random-password   # the default user's password (see docs/security.md)
 * aclFile: users.acl                    # optional: Redis ACL users, ACL LOAD / ACL SAVE
 * httpToken: another-long-random-token  # bearer token the HTTP API needs for writes and admin
 * clusterSecret: a-third-random-secret  # every region proves it when a replication link opens
 * peers:
 *   - { replica: virginia,  host: 10.0.1.10, port: 7379 }
 *   - { replica: frankfurt, host: 10.0.2.10, port: 7379 }
 * </pre>
 */
public record NodeConfig(
        String cluster,
        ReplicaId replica,
        Path dataDirectory,
        FsyncPolicy fsync,
        Endpoint resp,
        Endpoint http,
        Endpoint replication,
        List<Peer> peers,
        Limits limits,
        Security security) {

    /**
     * Who may use the node (issue 11).
     *
     * @param requirepass the default user's password, or null for a default user without one (then protected mode
     *     admits loopback clients only)
     * @param protectedMode whether a node without a password refuses clients that are not on loopback (default true)
     * @param aclFile Redis-format ACL file for {@code ACL LOAD}/{@code ACL SAVE}, read at start when it exists, or null
     * @param httpToken bearer token the HTTP API requires for writes and admin requests, or null for none
     * @param clientQueryBuffersBytesMax node-wide budget for clients' partly received commands, in bytes
     * @param clusterSecret the secret every region's node proves it knows when a replication link opens (HMAC
     *     challenge and response), or null for none; the same on every node of the cluster, at least 16 characters
     */
    public record Security(String requirepass, boolean protectedMode, Path aclFile, String httpToken,
                           long clientQueryBuffersBytesMax, String clusterSecret, Tls tls) {
        public Security(String requirepass, boolean protectedMode, Path aclFile, String httpToken,
                        long clientQueryBuffersBytesMax, String clusterSecret) {
            this(requirepass, protectedMode, aclFile, httpToken, clientQueryBuffersBytesMax, clusterSecret, null);
        }

        public static Security defaults() {
            return new Security(null, true, null, null, io.calmdb.server.resp.RespServerConfig.QUERY_BUFFERS_BYTES_MAX_DEFAULT,
                    null, null);
        }

        /** These settings with TLS from {@code value} (null: none). */
        public Security withTls(Tls value) {
            return new Security(requirepass, protectedMode, aclFile, httpToken, clientQueryBuffersBytesMax,
                    clusterSecret, value);
        }
    }

    /**
     * TLS on the RESP port (the port then speaks only TLS, as Redis's {@code tls-port}).
     *
     * @param certFile the node's certificate chain, PEM
     * @param keyFile its private key, PKCS#8 PEM (what {@code scripts/make-ca.sh} writes)
     * @param caFile the CA that signs client certificates, PEM, or null when clients are not asked for one
     * @param clientAuth whether clients must present a certificate signed by {@code caFile}
     */
    public record Tls(Path certFile, Path keyFile, Path caFile, boolean clientAuth) {}

    /** A configuration with the default security settings. */
    public NodeConfig(String cluster, ReplicaId replica, Path dataDirectory, FsyncPolicy fsync, Endpoint resp,
                      Endpoint http, Endpoint replication, List<Peer> peers, Limits limits) {
        this(cluster, replica, dataDirectory, fsync, resp, http, replication, peers, limits, Security.defaults());
    }

    /** A listen address. */
    public record Endpoint(String host, int port) {
        public Endpoint {
            Objects.requireNonNull(host, "host");
        }
    }

    /** Another node of the cluster, with an optional injected one-way latency (the demo's {@code --wan}). */
    public record Peer(ReplicaId replica, String host, int port, Duration oneWayLatency) {}

    /**
     * The node's named bounds.
     *
     * @param bulkBytesMax the largest value or argument a client may send, in bytes
     * @param keyspaceQueueTasksMax how many client commands may wait for the keyspace thread before new ones are
     *     refused with a busy error
     * @param checkpointIntervalMillis how often changed keys are checkpointed so the log can be truncated
     * @param antiEntropyIntervalMillis how often the node compares its causal context with each peer's
     */
    public record Limits(int bulkBytesMax, int keyspaceQueueTasksMax, long checkpointIntervalMillis,
                         long antiEntropyIntervalMillis) {
        public static Limits defaults() {
            return new Limits(16 * 1024 * 1024, 65_536, 10_000, 2_000);
        }
    }

    public NodeConfig {
        peers = peers == null ? List.of() : List.copyOf(peers);
        limits = limits == null ? Limits.defaults() : limits;
        fsync = fsync == null ? FsyncPolicy.EVERYSEC : fsync;
        security = security == null ? Security.defaults() : security;
    }

    /** Checks every field; the message names the field and says what is wrong. */
    public NodeConfig validate() {
        require(cluster != null && !cluster.isBlank(), "cluster", "must be a non-empty name");
        require(replica != null, "replica", "must be set");
        require(dataDirectory != null, "dataDirectory", "must be set");
        validateEndpoint("resp", resp);
        validateEndpoint("http", http);
        validateEndpoint("replication", replication);
        Set<ReplicaId> seen = new HashSet<>();
        for (Peer peer : peers) {
            require(peer.replica() != null, "peers[].replica", "must be set");
            require(!peer.replica().equals(replica), "peers", "must not list this node itself (" + replica + ")");
            require(seen.add(peer.replica()), "peers", "lists " + peer.replica() + " twice");
            require(peer.host() != null && !peer.host().isBlank(), "peers[" + peer.replica() + "].host", "must be set");
            require(peer.port() > 0 && peer.port() < 65_536, "peers[" + peer.replica() + "].port",
                    "must be in [1, 65535], got " + peer.port());
            require(peer.oneWayLatency() == null || !peer.oneWayLatency().isNegative(),
                    "peers[" + peer.replica() + "].oneWayLatency", "must not be negative");
        }
        require(limits.bulkBytesMax() > 0 && limits.bulkBytesMax() <= 512 * 1024 * 1024, "limits.bulkBytesMax",
                "must be in [1, 536870912], got " + limits.bulkBytesMax());
        require(limits.keyspaceQueueTasksMax() > 0, "limits.keyspaceQueueTasksMax", "must be > 0");
        require(limits.checkpointIntervalMillis() > 0, "limits.checkpointIntervalMillis", "must be > 0");
        require(limits.antiEntropyIntervalMillis() > 0, "limits.antiEntropyIntervalMillis", "must be > 0");
        require(security.requirepass() == null || !security.requirepass().isEmpty(), "requirepass",
                "must not be empty (leave it out for no password)");
        require(security.httpToken() == null || security.httpToken().length() >= 16, "httpToken",
                "must be at least 16 characters");
        require(security.clientQueryBuffersBytesMax() > 0, "clientQueryBuffersBytesMax", "must be > 0");
        require(security.clusterSecret() == null || security.clusterSecret().length() >= 16, "clusterSecret",
                "must be at least 16 characters");
        if (security.tls() != null) {
            require(Files.isReadable(security.tls().certFile()), "tls.certFile", "must be a readable file, got "
                    + security.tls().certFile());
            require(Files.isReadable(security.tls().keyFile()), "tls.keyFile", "must be a readable file, got "
                    + security.tls().keyFile());
            require(!security.tls().clientAuth() || security.tls().caFile() != null, "tls.caFile",
                    "must be set when tls.clientAuth is true");
        }
        return this;
    }

    private static void validateEndpoint(String name, Endpoint endpoint) {
        require(endpoint != null, name, "must be set (host and port)");
        require(endpoint.host() != null && !endpoint.host().isBlank(), name + ".host", "must be set");
        require(endpoint.port() >= 0 && endpoint.port() < 65_536, name + ".port",
                "must be in [0, 65535] (0 picks a free port), got " + endpoint.port());
    }

    private static void require(boolean condition, String field, String problem) {
        if (!condition) {
            throw new IllegalArgumentException("invalid node configuration: " + field + " " + problem);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // YAML

    /** The file's shape; field names are the YAML keys. */
    private record FileEndpoint(@JsonProperty("host") String host, @JsonProperty("port") Integer port) {}

    private record FilePeer(@JsonProperty("replica") String replica, @JsonProperty("host") String host,
                            @JsonProperty("port") Integer port, @JsonProperty("oneWayLatencyMillis") Long oneWayLatencyMillis) {}

    private record FileLimits(@JsonProperty("bulkBytesMax") Integer bulkBytesMax,
                              @JsonProperty("keyspaceQueueTasksMax") Integer keyspaceQueueTasksMax,
                              @JsonProperty("checkpointIntervalMillis") Long checkpointIntervalMillis,
                              @JsonProperty("antiEntropyIntervalMillis") Long antiEntropyIntervalMillis) {}

    private record FileConfig(@JsonProperty("cluster") String cluster, @JsonProperty("replica") String replica,
                              @JsonProperty("dataDirectory") String dataDirectory, @JsonProperty("fsync") String fsync,
                              @JsonProperty("resp") FileEndpoint resp, @JsonProperty("http") FileEndpoint http,
                              @JsonProperty("replication") FileEndpoint replication,
                              @JsonProperty("peers") List<FilePeer> peers, @JsonProperty("limits") FileLimits limits,
                              @JsonProperty("requirepass") String requirepass,
                              @JsonProperty("protectedMode") Boolean protectedMode,
                              @JsonProperty("aclFile") String aclFile, @JsonProperty("httpToken") String httpToken,
                              @JsonProperty("clientQueryBuffersBytesMax") Long clientQueryBuffersBytesMax,
                              @JsonProperty("clusterSecret") String clusterSecret,
                              @JsonProperty("tls") FileTls tls) {}

    private record FileTls(@JsonProperty("certFile") String certFile, @JsonProperty("keyFile") String keyFile,
                           @JsonProperty("caFile") String caFile, @JsonProperty("clientAuth") Boolean clientAuth) {}

    /**
     * Reads and validates a YAML configuration file. Unknown keys are errors (a misspelt key must not be silently
     * ignored); relative data directories are resolved against the file's directory.
     *
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static NodeConfig load(Path file) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        FileConfig raw;
        try {
            raw = yaml.readValue(Files.readAllBytes(file), FileConfig.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException("invalid node configuration " + file + ": " + e.getOriginalMessage()
                    + " at " + describe(e), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read node configuration " + file + ": " + e.getMessage(), e);
        }
        if (raw == null) {
            throw new IllegalArgumentException("node configuration " + file + " is empty");
        }
        try {
            return fromFile(raw, file.toAbsolutePath().getParent()).validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (in " + file + ")", e);
        }
    }

    private static String describe(JsonMappingException e) {
        List<String> path = new ArrayList<>();
        for (JsonMappingException.Reference reference : e.getPath()) {
            path.add(reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]");
        }
        return path.isEmpty() ? "the top level" : String.join(".", path);
    }

    private static NodeConfig fromFile(FileConfig raw, Path base) {
        Limits defaults = Limits.defaults();
        FileLimits l = raw.limits();
        Limits limits = l == null ? defaults : new Limits(
                l.bulkBytesMax() == null ? defaults.bulkBytesMax() : l.bulkBytesMax(),
                l.keyspaceQueueTasksMax() == null ? defaults.keyspaceQueueTasksMax() : l.keyspaceQueueTasksMax(),
                l.checkpointIntervalMillis() == null ? defaults.checkpointIntervalMillis() : l.checkpointIntervalMillis(),
                l.antiEntropyIntervalMillis() == null ? defaults.antiEntropyIntervalMillis() : l.antiEntropyIntervalMillis());
        List<Peer> peers = new ArrayList<>();
        if (raw.peers() != null) {
            for (FilePeer peer : raw.peers()) {
                requireField(peer.replica(), "peers[].replica");
                requireField(peer.port(), "peers[" + peer.replica() + "].port");
                peers.add(new Peer(replicaId(peer.replica(), "peers[].replica"), peer.host(), peer.port(),
                        peer.oneWayLatencyMillis() == null ? Duration.ZERO : Duration.ofMillis(peer.oneWayLatencyMillis())));
            }
        }
        requireField(raw.replica(), "replica");
        requireField(raw.dataDirectory(), "dataDirectory");
        FsyncPolicy fsync = FsyncPolicy.EVERYSEC;
        if (raw.fsync() != null) {
            try {
                fsync = FsyncPolicy.fromConfigName(raw.fsync());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid node configuration: fsync must be "
                        + FsyncPolicy.CONFIG_NAMES + ", got '" + raw.fsync() + "'");
            }
        }
        return new NodeConfig(raw.cluster(), replicaId(raw.replica(), "replica"), base.resolve(raw.dataDirectory()),
                fsync, endpoint(raw.resp(), "resp"), endpoint(raw.http(), "http"),
                endpoint(raw.replication(), "replication"), peers, limits, new Security(raw.requirepass(),
                raw.protectedMode() == null || raw.protectedMode(),
                raw.aclFile() == null ? null : base.resolve(raw.aclFile()), raw.httpToken(),
                raw.clientQueryBuffersBytesMax() == null ? Security.defaults().clientQueryBuffersBytesMax()
                        : raw.clientQueryBuffersBytesMax(), raw.clusterSecret(), raw.tls() == null ? null
                        : new Tls(base.resolve(required(raw.tls().certFile(), "tls.certFile")),
                                base.resolve(required(raw.tls().keyFile(), "tls.keyFile")),
                                raw.tls().caFile() == null ? null : base.resolve(raw.tls().caFile()),
                                raw.tls().clientAuth() != null && raw.tls().clientAuth())));
    }

    private static ReplicaId replicaId(String name, String field) {
        try {
            return ReplicaId.of(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid node configuration: " + field + " " + e.getMessage());
        }
    }

    private static Endpoint endpoint(FileEndpoint raw, String field) {
        if (raw == null) {
            throw new IllegalArgumentException("invalid node configuration: " + field + " must be set (host and port)");
        }
        requireField(raw.port(), field + ".port");
        return new Endpoint(raw.host() == null ? "127.0.0.1" : raw.host(), raw.port());
    }

    private static String required(String value, String field) {
        requireField(value, field);
        return value;
    }

    private static void requireField(Object value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("invalid node configuration: " + field + " must be set");
        }
    }

    /** A builder for configurations made in code (tests, the demo, the embedded API). */
    public static Builder builder(String cluster, ReplicaId replica, Path dataDirectory) {
        return new Builder(cluster, replica, dataDirectory);
    }

    public static final class Builder {
        private final String cluster;
        private final ReplicaId replica;
        private final Path dataDirectory;
        private FsyncPolicy fsync = FsyncPolicy.EVERYSEC;
        private Endpoint resp = new Endpoint("127.0.0.1", 0);
        private Endpoint http = new Endpoint("127.0.0.1", 0);
        private Endpoint replication = new Endpoint("127.0.0.1", 0);
        private final List<Peer> peers = new ArrayList<>();
        private Limits limits = Limits.defaults();
        private Security security = Security.defaults();

        private Builder(String cluster, ReplicaId replica, Path dataDirectory) {
            this.cluster = cluster;
            this.replica = replica;
            this.dataDirectory = dataDirectory;
        }

        public Builder fsync(FsyncPolicy value) {
            fsync = value;
            return this;
        }

        public Builder resp(String host, int port) {
            resp = new Endpoint(host, port);
            return this;
        }

        public Builder http(String host, int port) {
            http = new Endpoint(host, port);
            return this;
        }

        public Builder replication(String host, int port) {
            replication = new Endpoint(host, port);
            return this;
        }

        public Builder peer(ReplicaId id, String host, int port, Duration oneWayLatency) {
            peers.add(new Peer(id, host, port, oneWayLatency));
            return this;
        }

        public Builder limits(Limits value) {
            limits = value;
            return this;
        }

        public Builder security(Security value) {
            security = value;
            return this;
        }

        public NodeConfig build() {
            return new NodeConfig(cluster, replica, dataDirectory, fsync, resp, http, replication, peers, limits,
                    security).validate();
        }
    }
}
