package io.calmdb.server;

import io.calmdb.server.http.HttpApi;
import io.calmdb.server.node.CalmNode;
import io.calmdb.server.node.NodeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running CalmDB node with every front door: the {@link CalmNode} (keyspace, storage, replication, RESP) and its
 * {@link HttpApi}. The command line, the embedded API and the tests start nodes through here.
 *
 * <p>This class exists so that the node package never imports the HTTP package: the HTTP API is built on the
 * node's public methods, so the node starting the HTTP API itself made the two packages depend on each other.
 * Here the dependencies point one way, from this launcher to both.
 */
public final class CalmServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CalmServer.class);

    private final CalmNode node;
    private final HttpApi http;

    private CalmServer(CalmNode node, HttpApi http) {
        this.node = node;
        this.http = http;
    }

    /**
     * Starts the node (see {@link CalmNode#start}), then its HTTP API on {@link NodeConfig#http()}; returns once
     * every listener is bound. If the HTTP API cannot start, the node is closed again.
     *
     * @throws io.calmdb.server.storage.CorruptStorageException if the data directory is damaged
     * @throws IllegalArgumentException if the configuration is invalid
     * @throws IllegalStateException if a listen address cannot be bound
     */
    public static CalmServer start(NodeConfig config) {
        CalmNode node = CalmNode.start(config);
        HttpApi http;
        try {
            http = HttpApi.start(node, node.metrics());
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        LOG.info("node {} serving {} on {}:{}", config.replica(), config.security().tls() == null ? "HTTP" : "HTTPS",
                config.http().host(), http.port());
        return new CalmServer(node, http);
    }

    /** The node: RESP port, replication, partition control, metrics, status. */
    public CalmNode node() {
        return node;
    }

    /** The bound HTTP port (the configured one, or the one chosen when 0 was configured). */
    public int httpPort() {
        return http.port();
    }

    /** Stops the HTTP API first, so no request reaches a closing node, then the node. Idempotent. */
    @Override
    public void close() {
        http.close();
        node.close();
    }
}
