package io.calmdb.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.GlobPattern;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.node.CalmNode;
import io.calmdb.server.node.KeyspaceTask;
import io.calmdb.server.node.NodeConfig;
import io.calmdb.server.node.NodeMetrics;
import io.calmdb.server.node.TlsContexts;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's HTTP API: JSON reads and writes of every type, the per-replica CRDT state of a key, cluster and link
 * state with partition control, {@code /metrics} for Prometheus and {@code /health}. {@code docs/http.md} lists
 * every endpoint with an example.
 *
 * <p>Writes take the same path as RESP writes ({@link CalmNode#apply}): applied on the keyspace thread, answered
 * once their deltas are in the write-ahead log under the fsync policy, then replicated. Errors are JSON
 * {@code {"error": "...", "status": N}}: 400 for bad input, 404 for a missing key or route, 409 for a command
 * the key's type or value refuses ({@code WRONGTYPE}, not an integer), 413 for an oversized body and 503 when the
 * keyspace queue is full or the node does not answer in time.
 *
 * <p>Jetty's threads only parse and wait; request bodies are bounded by {@link #REQUEST_BODY_BYTES_MAX} and
 * concurrent requests by {@link #THREADS_MAX}. The listen address comes from {@link NodeConfig#http()}, which
 * defaults to loopback: the API has no authentication, so expose it only on trusted networks.
 */
public final class HttpApi implements AutoCloseable {
    /** The largest request body accepted, in bytes; larger requests get 413. */
    public static final long REQUEST_BODY_BYTES_MAX = 1024 * 1024;
    /** The most Jetty threads serving requests at once. */
    static final int THREADS_MAX = 32;
    /** The Jetty threads kept alive when idle. */
    static final int THREADS_MIN = 4;
    /** How long a request waits for the keyspace thread and the log before answering 503, in milliseconds. */
    static final long ANSWER_WAIT_MILLIS_MAX = 10_000;
    /**
     * How long a link may be one-way before {@code /health} reports the node degraded, in milliseconds. A link is
     * one-way for a moment whenever a peer restarts or a connection breaks (one side notices first, and the
     * redial waits for its backoff, at most 5 s, and a silent connection is dropped after the 10 s idle timeout),
     * so the grace is longer than those together; a link one-way for longer is a configuration or network fault.
     */
    static final long ONE_WAY_GRACE_MILLIS = 20_000;
    /** The default and the largest number of keys {@code GET /v1/keys} returns. */
    static final int KEYS_LIMIT_DEFAULT = 100;
    static final int KEYS_LIMIT_MAX = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    static final ObjectMapper JSON = new ObjectMapper();

    private final CalmNode node;
    private final NodeMetrics metrics;
    private final Javalin app;

    private HttpApi(CalmNode node, NodeMetrics metrics) {
        this.node = node;
        this.metrics = metrics;
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = REQUEST_BODY_BYTES_MAX;
            QueuedThreadPool threads = new QueuedThreadPool(THREADS_MAX, THREADS_MIN);
            threads.setName("calmdb-http-" + node.replica());
            threads.setDaemon(true);
            config.jetty.threadPool = threads;
            NodeConfig.Tls tls = node.config().security().tls();
            if (tls != null) {
                config.jetty.addConnector((server, http) -> httpsConnector(server, http, tls, node.config().http()));
            }
        });
        routes();
    }

    /**
     * With a {@code tls} section the port speaks only HTTPS, with the node's certificate; when the section names a
     * CA, clients may present a certificate it signed (with {@code clientAuth} they must), and such a client may
     * write as a bearer of the {@code httpToken} may ({@link HttpGuard}).
     */
    private static ServerConnector httpsConnector(Server server, HttpConfiguration http, NodeConfig.Tls tls,
                                                  NodeConfig.Endpoint endpoint) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setSslContext(TlsContexts.http(tls));
        ssl.setIncludeProtocols(TlsContexts.PROTOCOLS.toArray(String[]::new));
        if (tls.clientAuth()) {
            ssl.setNeedClientAuth(true);
        } else if (tls.caFile() != null) {
            ssl.setWantClientAuth(true);
        }
        // Certificates name regions (and localhost), not every host name clients use, so SNI is not enforced.
        http.addCustomizer(new SecureRequestCustomizer(false));
        ServerConnector connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(http));
        connector.setHost(endpoint.host());
        connector.setPort(endpoint.port());
        return connector;
    }

    /**
     * Starts serving {@code node} on its configured HTTP endpoint and returns once the port is bound.
     *
     * @throws IllegalStateException if the address cannot be bound
     */
    public static HttpApi start(CalmNode node, NodeMetrics metrics) {
        HttpApi api = new HttpApi(node, metrics);
        NodeConfig.Endpoint endpoint = node.config().http();
        try {
            if (node.config().security().tls() != null) {
                api.app.start(); // the HTTPS connector carries the address
            } else {
                api.app.start(endpoint.host(), endpoint.port());
            }
        } catch (RuntimeException e) {
            api.app.stop();
            throw new IllegalStateException("cannot serve HTTP on " + endpoint.host() + ":" + endpoint.port() + ": "
                    + e.getMessage(), e);
        }
        return api;
    }

    /** The bound port (the configured one, or the one chosen when 0 was configured). */
    public int port() {
        return app.port();
    }

    /** Stops serving; requests in flight are cut. Idempotent. */
    @Override
    public void close() {
        app.stop();
    }

    // ------------------------------------------------------------------------------------------------------
    // Routes

    private void routes() {
        HttpGuard guard = new HttpGuard(node.config().security().httpToken());
        app.before(guard::check);
        app.get("/health", ctx -> answer(ctx, "health", node.status().thenApply(status -> {
            metrics.observe(status);
            return Views.health(status, ONE_WAY_GRACE_MILLIS);
        })));
        app.get("/metrics", ctx -> {
            long started = System.nanoTime();
            ctx.future(() -> metrics.scrape().thenAccept(text -> {
                ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(text);
                metrics.recordCommand("http", "metrics", System.nanoTime() - started, false);
            }));
        });
        app.get("/v1/cluster", ctx -> answer(ctx, "cluster", node.status().thenApply(Views::cluster)));
        app.post("/v1/cluster/partition", ctx -> {
            Set<ReplicaId> peers = peers(body(ctx), true);
            node.partition(peers);
            answer(ctx, "partition", node.status().thenApply(Views::cluster));
        });
        app.post("/v1/cluster/heal", ctx -> {
            Set<ReplicaId> peers = ctx.body().isBlank() ? Set.of() : peers(body(ctx), false);
            node.heal(peers);
            answer(ctx, "heal", node.status().thenApply(Views::cluster));
        });
        app.get("/v1/keys", this::listKeys);
        app.get("/v1/keys/{key}", ctx -> {
            Bytes key = key(ctx);
            ValueEncoding encoding = encoding(ctx);
            answer(ctx, "get", quorumFirst(ctx, key).thenCompose(merged -> node.apply((keyspace, commits, now) -> {
                Map<String, Object> view = Views.key(keyspace, key, encoding);
                if (view.get("type") == null) {
                    throw HttpError.notFound("no key '" + key.toUtf8() + "'");
                }
                return view;
            })));
        });
        app.put("/v1/keys/{key}", this::putKey);
        app.delete("/v1/keys/{key}", ctx -> {
            Bytes key = key(ctx);
            answer(ctx, "delete", node.apply((keyspace, commits, now) -> {
                int deleted = commits.commit(keyspace.delete(List.of(key)));
                if (deleted == 0) {
                    throw HttpError.notFound("no key '" + key.toUtf8() + "'");
                }
                Map<String, Object> view = new LinkedHashMap<>();
                view.put("key", key.toUtf8());
                view.put("deleted", true);
                return view;
            }));
        });
        app.post("/v1/keys/{key}/increment", this::increment);
        app.post("/v1/keys/{key}/members", this::members);
        app.patch("/v1/keys/{key}/fields", this::fields);
        app.get("/v1/keys/{key}/state", ctx -> {
            Bytes key = key(ctx);
            ValueEncoding encoding = encoding(ctx);
            CompletableFuture<Map<String, Object>> state = quorumFirst(ctx, key).thenCompose(merged -> node.apply(
                    (keyspace, commits, now) -> {
                Map<String, Object> view = Views.keyState(keyspace, key, encoding);
                if (view == null) {
                    throw HttpError.notFound("no key '" + key.toUtf8() + "'");
                }
                return view;
            }));
            answer(ctx, "state", state.thenCombine(node.status(), (view, status) -> {
                view.put("delivered", Views.vector(status.delivered()));
                return view;
            }));
        });

        app.exception(HttpError.class, (error, ctx) -> error(ctx, error.status(), error.getMessage()));
        app.exception(HttpResponseException.class, (error, ctx) -> error(ctx, error.getStatus(), error.getMessage()));
        app.exception(Exception.class, (error, ctx) -> {
            LOG.warn("HTTP {} {} failed", ctx.method(), ctx.path(), error);
            error(ctx, 500, "internal error: " + error);
        });
        app.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty() || !ctx.result().startsWith("{")) {
                error(ctx, 404, "no route " + ctx.method() + " " + ctx.path());
            }
        });
        app.error(405, ctx -> {
            if (ctx.result() == null || !ctx.result().startsWith("{")) {
                error(ctx, 405, "method " + ctx.method() + " is not allowed on " + ctx.path());
            }
        });
    }

    private void putKey(Context ctx) {
        Bytes key = key(ctx);
        ValueEncoding encoding = encoding(ctx);
        JsonNode body = body(ctx);
        String type = requiredText(body, "type");
        JsonNode value = body.get("value");
        if (value == null || value.isNull()) {
            throw HttpError.badRequest("'value' is required");
        }
        KeyspaceTask<Map<String, Object>> task = switch (type) {
            case "string" -> {
                Bytes text = encoding.decode(scalar(value, "value"), "value");
                yield (keyspace, commits, now) -> {
                    commits.commit(keyspace.set(key, text, now));
                    return Views.key(keyspace, key, encoding);
                };
            }
            case "set" -> {
                List<Bytes> members = strings(value, "value", encoding);
                yield (keyspace, commits, now) -> {
                    // PUT replaces: remove what this replica observed, then add the new members.
                    commits.commit(keyspace.delete(List.of(key)));
                    if (!members.isEmpty()) {
                        commits.commit(keyspace.setAdd(key, members, now));
                    }
                    return Views.key(keyspace, key, encoding);
                };
            }
            case "hash" -> {
                Map<Bytes, Bytes> fields = stringMap(value, "value", encoding);
                yield (keyspace, commits, now) -> {
                    commits.commit(keyspace.delete(List.of(key)));
                    if (!fields.isEmpty()) {
                        commits.commit(keyspace.hashSet(key, fields, now));
                    }
                    return Views.key(keyspace, key, encoding);
                };
            }
            default -> throw HttpError.badRequest("'type' must be string, set or hash, got '" + type + "'");
        };
        answer(ctx, "put", node.apply(task));
    }

    private void increment(Context ctx) {
        Bytes key = key(ctx);
        ValueEncoding encoding = encoding(ctx);
        long by = 1;
        if (!ctx.body().isBlank()) {
            JsonNode amount = body(ctx).get("by");
            if (amount != null && !amount.isNull()) {
                if (!amount.canConvertToExactIntegral() || !amount.canConvertToLong()) {
                    throw HttpError.badRequest("'by' must be a 64-bit integer, got " + amount);
                }
                by = amount.asLong();
            }
        }
        long amount = by;
        answer(ctx, "increment", node.apply((keyspace, commits, now) -> {
            commits.commit(keyspace.incrementBy(key, amount, now));
            return Views.key(keyspace, key, encoding);
        }));
    }

    private void members(Context ctx) {
        Bytes key = key(ctx);
        ValueEncoding encoding = encoding(ctx);
        JsonNode body = body(ctx);
        List<Bytes> add = body.has("add") ? strings(body.get("add"), "add", encoding) : List.of();
        List<Bytes> remove = body.has("remove") ? strings(body.get("remove"), "remove", encoding) : List.of();
        if (add.isEmpty() && remove.isEmpty()) {
            throw HttpError.badRequest("give members to 'add' and/or 'remove'");
        }
        if (!Collections.disjoint(add, remove)) {
            throw HttpError.badRequest("a member cannot be both added and removed in one request");
        }
        answer(ctx, "members", node.apply((keyspace, commits, now) -> {
            int added = add.isEmpty() ? 0 : commits.commit(keyspace.setAdd(key, add, now));
            int removed = remove.isEmpty() ? 0 : commits.commit(keyspace.setRemove(key, remove));
            Map<String, Object> view = Views.key(keyspace, key, encoding);
            view.put("added", added);
            view.put("removed", removed);
            return view;
        }));
    }

    private void fields(Context ctx) {
        Bytes key = key(ctx);
        ValueEncoding encoding = encoding(ctx);
        JsonNode body = body(ctx);
        Map<Bytes, Bytes> set = body.has("set") ? stringMap(body.get("set"), "set", encoding) : Map.of();
        List<Bytes> remove = body.has("remove") ? strings(body.get("remove"), "remove", encoding) : List.of();
        Map<Bytes, Long> increment = new LinkedHashMap<>();
        if (body.has("increment")) {
            JsonNode increments = body.get("increment");
            if (!increments.isObject()) {
                throw HttpError.badRequest("'increment' must be an object of field to integer");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = increments.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                if (!entry.getValue().canConvertToExactIntegral() || !entry.getValue().canConvertToLong()) {
                    throw HttpError.badRequest("'increment." + entry.getKey() + "' must be a 64-bit integer");
                }
                increment.put(encoding.decode(entry.getKey(), "a field name"), entry.getValue().asLong());
            }
        }
        if (set.isEmpty() && remove.isEmpty() && increment.isEmpty()) {
            throw HttpError.badRequest("give fields to 'set', 'remove' and/or 'increment'");
        }
        Set<Bytes> seen = new LinkedHashSet<>(set.keySet());
        for (Bytes field : remove) {
            if (!seen.add(field)) {
                throw HttpError.badRequest("a field may appear only once across 'set', 'remove' and 'increment'");
            }
        }
        for (Bytes field : increment.keySet()) {
            if (!seen.add(field)) {
                throw HttpError.badRequest("a field may appear only once across 'set', 'remove' and 'increment'");
            }
        }
        answer(ctx, "fields", node.apply((keyspace, commits, now) -> {
            // Check every increment before changing anything, so a refused one leaves the hash untouched; the
            // keyspace's own check is used, so this refuses exactly what HINCRBY refuses.
            for (Map.Entry<Bytes, Long> entry : increment.entrySet()) {
                keyspace.hashIncrementResult(key, entry.getKey(), entry.getValue());
            }
            Map<String, Object> results = new LinkedHashMap<>();
            for (Map.Entry<Bytes, Long> entry : increment.entrySet()) {
                long value = commits.commit(keyspace.hashIncrementBy(key, entry.getKey(), entry.getValue(), now));
                results.put(encoding.encode(entry.getKey()), value);
            }
            int created = set.isEmpty() ? 0 : commits.commit(keyspace.hashSet(key, set, now));
            int removed = remove.isEmpty() ? 0 : commits.commit(keyspace.hashDelete(key, remove));
            Map<String, Object> view = Views.key(keyspace, key, encoding);
            view.put("created", created);
            view.put("removed", removed);
            view.put("incremented", results);
            return view;
        }));
    }

    private void listKeys(Context ctx) {
        String match = ctx.queryParam("match") == null ? "*" : ctx.queryParam("match");
        int limit = KEYS_LIMIT_DEFAULT;
        String limitText = ctx.queryParam("limit");
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
            } catch (NumberFormatException e) {
                throw HttpError.badRequest("'limit' must be an integer, got '" + limitText + "'");
            }
            if (limit < 1 || limit > KEYS_LIMIT_MAX) {
                throw HttpError.badRequest("'limit' must be between 1 and " + KEYS_LIMIT_MAX + ", got " + limit);
            }
        }
        GlobPattern pattern = GlobPattern.of(match.getBytes(StandardCharsets.UTF_8));
        int keysMax = limit;
        answer(ctx, "keys", node.apply((keyspace, commits, now) -> {
            List<Bytes> keys = new ArrayList<>(keyspace.keys(pattern));
            Collections.sort(keys);
            List<String> page = new ArrayList<>();
            for (int i = 0; i < Math.min(keysMax, keys.size()); i++) {
                page.add(keys.get(i).toUtf8());
            }
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("match", match);
            view.put("keys", page);
            view.put("count", page.size());
            view.put("truncated", keys.size() > keysMax);
            return view;
        }));
    }

    // ------------------------------------------------------------------------------------------------------
    // Request parsing

    private static Bytes key(Context ctx) {
        String key = ctx.pathParam("key");
        if (key.isEmpty()) {
            throw HttpError.badRequest("the key is empty");
        }
        return Bytes.ofUtf8(key);
    }

    private static ValueEncoding encoding(Context ctx) {
        return ValueEncoding.parse(ctx.queryParam(ValueEncoding.PARAMETER));
    }

    private static JsonNode body(Context ctx) {
        String text = ctx.body();
        if (text.isBlank()) {
            throw HttpError.badRequest("the request needs a JSON object body");
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw HttpError.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode)) {
            throw HttpError.badRequest("the body must be a JSON object");
        }
        return node;
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual()) {
            throw HttpError.badRequest("'" + field + "' is required and must be a string");
        }
        return value.asText();
    }

    /** A string, or an integer written as a JSON number (a counter's value). */
    private static String scalar(JsonNode value, String field) {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return Long.toString(value.asLong());
        }
        throw HttpError.badRequest("'" + field + "' must be a string");
    }

    private static List<Bytes> strings(JsonNode array, String field, ValueEncoding encoding) {
        if (array == null || !array.isArray()) {
            throw HttpError.badRequest("'" + field + "' must be an array of strings");
        }
        Set<Bytes> result = new LinkedHashSet<>();
        for (JsonNode element : array) {
            result.add(encoding.decode(scalar(element, field + "[]"), field + "[]"));
        }
        return List.copyOf(result);
    }

    private static Map<Bytes, Bytes> stringMap(JsonNode object, String field, ValueEncoding encoding) {
        if (object == null || !object.isObject()) {
            throw HttpError.badRequest("'" + field + "' must be an object of string to string");
        }
        Map<Bytes, Bytes> result = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            result.put(encoding.decode(entry.getKey(), "a field name"),
                    encoding.decode(scalar(entry.getValue(), field + "." + entry.getKey()), field + "." + entry.getKey()));
        }
        return result;
    }

    private Set<ReplicaId> peers(JsonNode body, boolean required) {
        JsonNode array = body.get("peers");
        if (array == null || array.isNull()) {
            if (required) {
                throw HttpError.badRequest("'peers' is required: the replicas to cut off");
            }
            return Set.of();
        }
        if (!array.isArray()) {
            throw HttpError.badRequest("'peers' must be an array of replica ids");
        }
        Set<ReplicaId> known = new LinkedHashSet<>();
        node.config().peers().forEach(peer -> known.add(peer.replica()));
        Set<ReplicaId> named = new LinkedHashSet<>();
        for (JsonNode element : array) {
            ReplicaId peer;
            try {
                peer = ReplicaId.of(element.asText());
            } catch (IllegalArgumentException e) {
                throw HttpError.badRequest("invalid replica id " + element + ": " + e.getMessage());
            }
            if (!known.contains(peer)) {
                throw HttpError.badRequest("unknown peer '" + peer + "'; peers are " + known);
            }
            named.add(peer);
        }
        if (required && named.isEmpty()) {
            throw HttpError.badRequest("'peers' must name at least one replica");
        }
        return named;
    }

    // ------------------------------------------------------------------------------------------------------
    // Answers

    private void answer(Context ctx, String route, CompletableFuture<?> result) {
        long started = System.nanoTime();
        ctx.future(() -> result.orTimeout(ANSWER_WAIT_MILLIS_MAX, TimeUnit.MILLISECONDS).handle((value, error) -> {
            if (error == null) {
                json(ctx, 200, value);
            } else {
                Throwable cause = unwrap(error);
                int status = status(cause);
                if (status == 500) {
                    LOG.warn("HTTP {} {} failed", ctx.method(), ctx.path(), cause);
                }
                error(ctx, status, message(cause));
            }
            metrics.recordCommand("http", route, System.nanoTime() - started, error != null);
            return null;
        }));
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Maps a refusal to its status: see the class comment. */
    static int status(Throwable cause) {
        if (cause instanceof HttpError error) {
            return error.status();
        }
        if (cause instanceof KeyspaceException) {
            return 409;
        }
        if (cause instanceof RejectedExecutionException || cause instanceof TimeoutException) {
            return 503;
        }
        return 500;
    }

    private static String message(Throwable cause) {
        if (cause instanceof TimeoutException) {
            return "the node did not answer within " + ANSWER_WAIT_MILLIS_MAX + " ms";
        }
        if (cause instanceof RejectedExecutionException && (cause.getMessage() == null
                || !cause.getMessage().startsWith("BUSY"))) {
            return "the node is shutting down";
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static void json(Context ctx, int status, Object value) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the answer as JSON", e);
        }
    }

    private static void error(Context ctx, int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("status", status);
        json(ctx, status, body);
    }

    // ---- QUORUM (issue 8): ?r=n on the key reads

    /** The status of a quorum read that heard from fewer than r regions in time. */
    static final int QUORUM_TIMEOUT_STATUS = 504;

    /**
     * For a key read with {@code ?r=n} (and optionally {@code &timeout=ms}): merges the key from n regions into the
     * local replica before the read runs on it, or fails with {@link #QUORUM_TIMEOUT_STATUS} and the core's message
     * (how many of n answered) when too few answer; never a silent local read. Without {@code r}, nothing to do.
     */
    private CompletableFuture<Void> quorumFirst(Context ctx, Bytes key) {
        String replicasText = ctx.queryParam("r");
        if (replicasText == null) {
            return CompletableFuture.completedFuture(null);
        }
        int replicas = quorumParameter(replicasText, "r");
        if (replicas < 1 || replicas > node.clusterSize()) {
            throw HttpError.badRequest("'r' must be in [1, " + node.clusterSize() + "] (the cluster size), got "
                    + replicas);
        }
        String timeoutText = ctx.queryParam("timeout");
        long timeoutMillis = timeoutText == null ? CalmNode.QUORUM_TIMEOUT_MILLIS_DEFAULT
                : quorumParameter(timeoutText, "timeout");
        if (timeoutMillis < 1 || timeoutMillis > ANSWER_WAIT_MILLIS_MAX / 2) {
            throw HttpError.badRequest("'timeout' must be in [1, " + ANSWER_WAIT_MILLIS_MAX / 2 + "] milliseconds, got "
                    + timeoutMillis);
        }
        return node.quorumRead(List.of(key), replicas, timeoutMillis).thenAccept(outcome -> {
            if (!outcome.succeeded()) {
                throw new java.util.concurrent.CompletionException(new HttpError(QUORUM_TIMEOUT_STATUS,
                        outcome.error()));
            }
        });
    }

    private static int quorumParameter(String text, String name) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw HttpError.badRequest("'" + name + "' must be an integer, got '" + text + "'");
        }
    }
}
