package io.calmdb.server.embedded;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.CalmServer;
import io.calmdb.server.node.CalmNode;
import io.calmdb.server.node.KeyspaceTask;
import io.calmdb.server.node.NodeConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A CalmDB node running inside an application, with typed handles over its keyspace:
 *
 * <pre>{@code
 * try (EmbeddedCalmDb db = EmbeddedCalmDb.open(config)) {
 *     long likes = db.counter("likes").increment(1).join();
 * }
 * }</pre>
 *
 * <p>The node is a full replica: it keeps its data directory, serves RESP and HTTP on the configured endpoints
 * and replicates with its peers, so an application and {@code redis-cli} see the same keys. Handles are cheap,
 * stateless names for a key; a handle's methods have exactly the semantics of the matching Redis commands
 * ({@link Counter} is {@code INCRBY}, {@link Register} is {@code SET}/{@code GET}, {@link ReplicatedSet} is
 * {@code SADD}/{@code SREM}, {@link ReplicatedMap} is {@code HSET}/{@code HINCRBY}). Keys, values, members and
 * fields are text, stored as UTF-8.
 *
 * <p>Every method returns at once. A write's future completes once the change is durable under the node's fsync
 * policy (replication to the other regions follows); a read's future completes with this replica's current
 * state. Futures fail with {@link WrongTypeException} or {@link CalmDbException} for refused commands, with a
 * {@link java.util.concurrent.RejectedExecutionException} when the node's keyspace queue is full (retry later),
 * and with the log's error if the write could not be made durable. Futures complete on a virtual thread, never on
 * the node's own threads, so callbacks may block (even on another call to this API) without stalling the node.
 * Thread-safe.
 */
public final class EmbeddedCalmDb implements AutoCloseable {
    private final CalmServer server;
    private final CalmNode node;
    private final ExecutorService callbacks = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("calmdb-embedded-callback-", 0).factory());

    private EmbeddedCalmDb(CalmServer server) {
        this.server = server;
        this.node = server.node();
    }

    /**
     * Starts a node from {@code config} (recovering its data directory) and returns once it serves.
     *
     * @throws io.calmdb.server.storage.CorruptStorageException if the data directory is damaged
     * @throws IllegalArgumentException if the configuration is invalid
     * @throws IllegalStateException if a listen address cannot be bound
     */
    public static EmbeddedCalmDb open(NodeConfig config) {
        Objects.requireNonNull(config, "config");
        return new EmbeddedCalmDb(CalmServer.start(config));
    }

    /** The node underneath: ports, partition control, metrics. */
    public CalmNode node() {
        return node;
    }

    /** The bound HTTP port (the configured one, or the one chosen when 0 was configured). */
    public int httpPort() {
        return server.httpPort();
    }

    /** A handle on the counter at {@code key}. */
    public Counter counter(String key) {
        Bytes name = key(key);
        return new Counter() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public CompletableFuture<Long> increment(long amount) {
                return run("incrby", (keyspace, commits, now) -> commits.commit(keyspace.incrementBy(name, amount, now)));
            }

            @Override
            public CompletableFuture<Long> get() {
                return run("get", (keyspace, commits, now) -> keyspace.getInteger(name));
            }

            @Override
            public CompletableFuture<Boolean> delete() {
                return EmbeddedCalmDb.this.delete(name);
            }
        };
    }

    /** A handle on the text register at {@code key}. */
    public Register register(String key) {
        Bytes name = key(key);
        return new Register() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public CompletableFuture<Void> set(String value) {
                Bytes bytes = text(value, "value");
                return run("set", (keyspace, commits, now) -> commits.commit(keyspace.set(name, bytes, now)));
            }

            @Override
            public CompletableFuture<Optional<String>> get() {
                return run("get", (keyspace, commits, now) -> keyspace.get(name).map(Bytes::toUtf8));
            }

            @Override
            public CompletableFuture<Boolean> delete() {
                return EmbeddedCalmDb.this.delete(name);
            }
        };
    }

    /** A handle on the set at {@code key}. */
    public ReplicatedSet set(String key) {
        Bytes name = key(key);
        return new ReplicatedSet() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public CompletableFuture<Integer> add(String... members) {
                List<Bytes> values = texts(members, "members");
                return run("sadd", (keyspace, commits, now) -> commits.commit(keyspace.setAdd(name, values, now)));
            }

            @Override
            public CompletableFuture<Integer> remove(String... members) {
                List<Bytes> values = texts(members, "members");
                return run("srem", (keyspace, commits, now) -> commits.commit(keyspace.setRemove(name, values)));
            }

            @Override
            public CompletableFuture<Set<String>> members() {
                return run("smembers", (keyspace, commits, now) -> {
                    Set<String> result = new LinkedHashSet<>();
                    new TreeSet<>(keyspace.setMembers(name)).forEach(member -> result.add(member.toUtf8()));
                    return result;
                });
            }

            @Override
            public CompletableFuture<Boolean> contains(String member) {
                Bytes value = text(member, "member");
                return run("sismember", (keyspace, commits, now) -> keyspace.setContains(name, value));
            }

            @Override
            public CompletableFuture<Boolean> delete() {
                return EmbeddedCalmDb.this.delete(name);
            }
        };
    }

    /** A handle on the map (Redis hash) at {@code key}. */
    public ReplicatedMap map(String key) {
        Bytes name = key(key);
        return new ReplicatedMap() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public CompletableFuture<Boolean> put(String field, String value) {
                Map<Bytes, Bytes> fields = Map.of(text(field, "field"), text(value, "value"));
                return run("hset", (keyspace, commits, now) -> commits.commit(keyspace.hashSet(name, fields, now)) > 0);
            }

            @Override
            public CompletableFuture<Optional<String>> get(String field) {
                Bytes bytes = text(field, "field");
                return run("hget", (keyspace, commits, now) -> keyspace.hashGet(name, bytes).map(Bytes::toUtf8));
            }

            @Override
            public CompletableFuture<Long> increment(String field, long amount) {
                Bytes bytes = text(field, "field");
                return run("hincrby", (keyspace, commits, now) ->
                        commits.commit(keyspace.hashIncrementBy(name, bytes, amount, now)));
            }

            @Override
            public CompletableFuture<Integer> remove(String... fields) {
                List<Bytes> values = texts(fields, "fields");
                return run("hdel", (keyspace, commits, now) -> commits.commit(keyspace.hashDelete(name, values)));
            }

            @Override
            public CompletableFuture<Map<String, String>> entries() {
                return run("hgetall", (keyspace, commits, now) -> {
                    Map<String, String> result = new LinkedHashMap<>();
                    new TreeMap<>(keyspace.hashGetAll(name)).forEach((field, value) ->
                            result.put(field.toUtf8(), value.toUtf8()));
                    return result;
                });
            }

            @Override
            public CompletableFuture<Boolean> delete() {
                return EmbeddedCalmDb.this.delete(name);
            }
        };
    }

    private CompletableFuture<Boolean> delete(Bytes name) {
        return run("del", (keyspace, commits, now) -> commits.commit(keyspace.delete(List.of(name))) > 0);
    }

    /** Runs a task on the node, translates keyspace refusals, and completes off the node's threads. */
    private <T> CompletableFuture<T> run(String command, KeyspaceTask<T> task) {
        long started = System.nanoTime();
        CompletableFuture<T> result = new CompletableFuture<>();
        node.apply(task).whenComplete((value, error) -> {
            node.metrics().recordCommand("embedded", command, System.nanoTime() - started, error != null);
            Runnable completion = error == null ? () -> result.complete(value)
                    : () -> result.completeExceptionally(translate(error));
            try {
                callbacks.execute(completion);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                completion.run();
            }
        });
        return result;
    }

    private static Throwable translate(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof KeyspaceException refused) {
            return refused.getMessage().startsWith("WRONGTYPE") ? new WrongTypeException(refused.getMessage())
                    : new CalmDbException(refused.getMessage());
        }
        return cause;
    }

    private static Bytes key(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        return Bytes.ofUtf8(key);
    }

    private static Bytes text(String value, String argument) {
        return Bytes.ofUtf8(Objects.requireNonNull(value, argument));
    }

    private static List<Bytes> texts(String[] values, String argument) {
        Objects.requireNonNull(values, argument);
        if (values.length == 0) {
            throw new IllegalArgumentException(argument + " must name at least one");
        }
        List<Bytes> result = new ArrayList<>(values.length);
        for (String value : values) {
            result.add(text(value, argument));
        }
        return result;
    }

    /** Stops the node (front doors, links, storage); pending futures may fail. Idempotent. */
    @Override
    public void close() {
        server.close();
        callbacks.close();
    }
}
