package io.calmdb.server.node;

import static io.calmdb.server.resp.CommandFlag.FAST;
import static io.calmdb.server.resp.CommandFlag.READONLY;
import static io.calmdb.server.resp.CommandFlag.WRITE;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.replication.keyspace.GlobPattern;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.replication.keyspace.Kind;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.CommandHandler;
import io.calmdb.server.resp.CommandSpec;
import io.calmdb.server.resp.CommandTable;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.Reply;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The Redis data commands of a node: each runs on the keyspace thread against the local replica and answers from
 * local state. A write is answered only once its delta is in the write-ahead log per the fsync policy.
 *
 * <p>Commands whose answer depends on global absence ({@code SET ... NX}, {@code SETNX}, {@code HSETNX},
 * {@code MSETNX}) are refused: a replica that has not seen a key cannot know no other region created it, so
 * answering them locally would promise uniqueness CalmDB cannot keep. The error names the claim command that
 * coordinates such a decision with the key's authority.
 */
final class KeyspaceCommands implements CommandHandler {
    /** The reply to commands that would need to know a key is absent everywhere. */
    static final String GLOBAL_ABSENCE_REFUSED = "ERR %s needs to know the key is absent in every region, which a "
            + "replica cannot know without coordination (another region may have created it concurrently); use "
            + "CLAIM key owner, which asks the key's authority region and answers ACCEPTED, REJECTED or PENDING";
    /** The reply to key expiry options, which CalmDB does not support yet. */
    static final String EXPIRY_UNSUPPORTED = "ERR key expiry (EX, PX, EXAT, PXAT, KEEPTTL) is not supported by CalmDB yet";
    /** The most keys a single SCAN call returns when no COUNT is given. */
    static final int SCAN_COUNT_DEFAULT = 10;

    private final CalmNode node;

    KeyspaceCommands(CalmNode node) {
        this.node = node;
    }

    /** The data commands' specs, added to the front door's connection commands. */
    static CommandTable table() {
        CommandTable.Builder table = CommandTable.builder();
        // strings and counters
        table.add(spec("get", 2, 1, 1, 1, "string", READONLY, FAST));
        table.add(spec("set", -3, 1, 1, 1, "string", WRITE));
        table.add(spec("setnx", 3, 1, 1, 1, "string", WRITE));
        table.add(spec("getset", 3, 1, 1, 1, "string", WRITE));
        table.add(spec("getdel", 2, 1, 1, 1, "string", WRITE));
        table.add(spec("mget", -2, 1, -1, 1, "string", READONLY, FAST));
        table.add(spec("mset", -3, 1, -1, 2, "string", WRITE));
        table.add(spec("msetnx", -3, 1, -1, 2, "string", WRITE));
        table.add(spec("incr", 2, 1, 1, 1, "string", WRITE, FAST));
        table.add(spec("decr", 2, 1, 1, 1, "string", WRITE, FAST));
        table.add(spec("incrby", 3, 1, 1, 1, "string", WRITE, FAST));
        table.add(spec("decrby", 3, 1, 1, 1, "string", WRITE, FAST));
        // sets
        table.add(spec("sadd", -3, 1, 1, 1, "set", WRITE, FAST));
        table.add(spec("srem", -3, 1, 1, 1, "set", WRITE, FAST));
        table.add(spec("smembers", 2, 1, 1, 1, "set", READONLY));
        table.add(spec("sismember", 3, 1, 1, 1, "set", READONLY, FAST));
        table.add(spec("scard", 2, 1, 1, 1, "set", READONLY, FAST));
        // hashes
        table.add(spec("hset", -4, 1, 1, 1, "hash", WRITE, FAST));
        table.add(spec("hsetnx", 4, 1, 1, 1, "hash", WRITE));
        table.add(spec("hget", 3, 1, 1, 1, "hash", READONLY, FAST));
        table.add(spec("hmget", -3, 1, 1, 1, "hash", READONLY, FAST));
        table.add(spec("hdel", -3, 1, 1, 1, "hash", WRITE, FAST));
        table.add(spec("hgetall", 2, 1, 1, 1, "hash", READONLY));
        table.add(spec("hexists", 3, 1, 1, 1, "hash", READONLY, FAST));
        table.add(spec("hlen", 2, 1, 1, 1, "hash", READONLY, FAST));
        table.add(spec("hkeys", 2, 1, 1, 1, "hash", READONLY));
        table.add(spec("hincrby", 4, 1, 1, 1, "hash", WRITE, FAST));
        // keys and server
        table.add(spec("del", -2, 1, -1, 1, "generic", WRITE));
        table.add(spec("unlink", -2, 1, -1, 1, "generic", WRITE));
        table.add(spec("exists", -2, 1, -1, 1, "generic", READONLY, FAST));
        table.add(spec("type", 2, 1, 1, 1, "generic", READONLY, FAST));
        table.add(spec("keys", 2, 0, 0, 0, "generic", READONLY));
        table.add(spec("scan", -2, 0, 0, 0, "generic", READONLY));
        table.add(spec("dbsize", 1, 0, 0, 0, "server", READONLY, FAST));
        table.add(spec("info", -1, 0, 0, 0, "server"));
        table.add(spec("wait", 3, 0, 0, 0, "generic"));
        table.add(spec("cluster", -2, 0, 0, 0, "cluster"));
        table.add(spec("debug", -2, 0, 0, 0, "server", READONLY));
        return table.build();
    }

    private static CommandSpec spec(String name, int arity, int firstKey, int lastKey, int step, String group,
                                    io.calmdb.server.resp.CommandFlag... flags) {
        CommandSpec.Builder builder = CommandSpec.builder(name, arity).group(group).flags(flags);
        if (firstKey > 0) {
            builder.keys(firstKey, lastKey, step);
        }
        return builder.build();
    }

    @Override
    public CompletionStage<Reply> handle(Connection connection, Command command) {
        String name = command.name();
        // Commands that never touch the keyspace are answered here, on the connection's thread.
        switch (name) {
            case "setnx", "msetnx", "hsetnx" -> {
                return done(Reply.error(String.format(GLOBAL_ABSENCE_REFUSED, name.toUpperCase(Locale.ROOT))));
            }
            case "wait" -> {
                return node.waitForReplicas(connection, command);
            }
            case "cluster" -> {
                return node.clusterCommand(command);
            }
            case "info" -> {
                return node.info(command);
            }
            default -> {
                // keyspace commands below
            }
        }
        CompletableFuture<Reply> result = node.onKeyspace(keyspace -> {
            try {
                return execute(connection, keyspace, command);
            } catch (KeyspaceException refused) {
                return done(Reply.error(refused.getMessage()));
            } catch (NumberFormatException notANumber) {
                return done(Reply.error(CommandErrors.NOT_AN_INTEGER));
            } catch (SyntaxError syntax) {
                return done(Reply.error(syntax.getMessage()));
            }
        });
        return result.exceptionally(error -> {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof KeyspaceThread.Busy busy) {
                return Reply.error(busy.getMessage());
            }
            throw error instanceof RuntimeException runtime ? runtime : new java.util.concurrent.CompletionException(error);
        });
    }

    /** A command's arguments do not parse; the message is the Redis error line. */
    private static final class SyntaxError extends Exception {
        SyntaxError(String message) {
            super(message);
        }
    }

    private CompletableFuture<Reply> execute(Connection connection, Keyspace keyspace, Command command)
            throws KeyspaceException, SyntaxError {
        long now = node.now();
        return switch (command.name()) {
            case "get" -> done(bulkOrNil(keyspace.get(key(command, 1))));
            case "set" -> set(connection, keyspace, command, now);
            case "getset" -> {
                var write = keyspace.getAndSet(key(command, 1), key(command, 2), now);
                yield node.commit(connection, write.delta(), bulkOrNil(write.reply()));
            }
            case "getdel" -> {
                var write = keyspace.getAndDelete(key(command, 1));
                yield node.commit(connection, write.delta(), bulkOrNil(write.reply()));
            }
            case "mget" -> {
                List<Reply> values = new ArrayList<>();
                for (Optional<Bytes> value : keyspace.getMany(keys(command, 1))) {
                    values.add(bulkOrNil(value));
                }
                yield done(Reply.array(values));
            }
            case "mset" -> {
                if ((command.argumentCount() - 1) % 2 != 0) {
                    yield done(Reply.error(CommandErrors.wrongArity("mset")));
                }
                Map<Bytes, Bytes> pairs = new LinkedHashMap<>();
                for (int i = 1; i < command.argumentCount(); i += 2) {
                    pairs.put(key(command, i), key(command, i + 1));
                }
                yield node.commit(connection, keyspace.setMany(pairs, now).delta(), Reply.ok());
            }
            case "incr" -> increment(connection, keyspace, command, 1, now);
            case "decr" -> increment(connection, keyspace, command, -1, now);
            case "incrby" -> increment(connection, keyspace, command, command.argumentLong(2), now);
            case "decrby" -> {
                long amount = command.argumentLong(2);
                if (amount == Long.MIN_VALUE) {
                    yield done(Reply.error(KeyspaceException.OVERFLOW));
                }
                yield increment(connection, keyspace, command, -amount, now);
            }
            case "sadd" -> {
                var write = keyspace.setAdd(key(command, 1), keys(command, 2), now);
                yield node.commit(connection, write.delta(), Reply.integer(write.reply()));
            }
            case "srem" -> {
                var write = keyspace.setRemove(key(command, 1), keys(command, 2));
                yield node.commit(connection, write.delta(), Reply.integer(write.reply()));
            }
            case "smembers" -> done(Reply.set(bulks(new ArrayList<>(keyspace.setMembers(key(command, 1))))));
            case "sismember" -> done(Reply.integer(keyspace.setContains(key(command, 1), key(command, 2)) ? 1 : 0));
            case "scard" -> done(Reply.integer(keyspace.setSize(key(command, 1))));
            case "hset" -> {
                if ((command.argumentCount() - 2) % 2 != 0) {
                    yield done(Reply.error(CommandErrors.wrongArity("hset")));
                }
                Map<Bytes, Bytes> fields = new LinkedHashMap<>();
                for (int i = 2; i < command.argumentCount(); i += 2) {
                    fields.put(key(command, i), key(command, i + 1));
                }
                var write = keyspace.hashSet(key(command, 1), fields, now);
                yield node.commit(connection, write.delta(), Reply.integer(write.reply()));
            }
            case "hget" -> done(bulkOrNil(keyspace.hashGet(key(command, 1), key(command, 2))));
            case "hmget" -> {
                Bytes key = key(command, 1);
                List<Reply> values = new ArrayList<>();
                for (int i = 2; i < command.argumentCount(); i++) {
                    values.add(bulkOrNil(keyspace.hashGet(key, key(command, i))));
                }
                yield done(Reply.array(values));
            }
            case "hdel" -> {
                var write = keyspace.hashDelete(key(command, 1), keys(command, 2));
                yield node.commit(connection, write.delta(), Reply.integer(write.reply()));
            }
            case "hgetall" -> {
                Map<Reply, Reply> all = new LinkedHashMap<>();
                keyspace.hashGetAll(key(command, 1)).forEach((field, value) ->
                        all.put(Reply.bulk(field.toByteArray()), Reply.bulk(value.toByteArray())));
                yield done(Reply.map(all));
            }
            case "hexists" -> done(Reply.integer(keyspace.hashGet(key(command, 1), key(command, 2)).isPresent() ? 1 : 0));
            case "hlen" -> done(Reply.integer(keyspace.hashSize(key(command, 1))));
            case "hkeys" -> done(Reply.array(bulks(new ArrayList<>(keyspace.hashKeys(key(command, 1))))));
            case "hincrby" -> {
                var write = keyspace.hashIncrementBy(key(command, 1), key(command, 2), command.argumentLong(3), now);
                yield node.commit(connection, write.delta(), Reply.integer(write.reply()));
            }
            case "del", "unlink" -> {
                var write = keyspace.delete(keys(command, 1));
                yield node.commit(connection, write.delta(), Reply.integer(write.reply()));
            }
            case "exists" -> {
                int count = 0;
                for (Bytes key : keys(command, 1)) {
                    if (keyspace.exists(key)) {
                        count++;
                    }
                }
                yield done(Reply.integer(count));
            }
            case "type" -> {
                Kind kind = keyspace.type(key(command, 1));
                yield done(Reply.simple(kind == null ? "none" : kind.redisName()));
            }
            case "keys" -> done(Reply.array(bulks(keyspace.keys(GlobPattern.of(command.argument(1))))));
            case "scan" -> done(scan(keyspace, command));
            case "dbsize" -> done(Reply.integer(keyspace.size()));
            case "debug" -> done(debug(keyspace, command));
            default -> done(Reply.error("ERR unknown command '" + command.name() + "'"));
        };
    }

    private CompletableFuture<Reply> set(Connection connection, Keyspace keyspace, Command command, long now)
            throws KeyspaceException, SyntaxError {
        boolean returnOld = false;
        for (int i = 3; i < command.argumentCount(); i++) {
            String option = command.argumentString(i).toUpperCase(Locale.ROOT);
            switch (option) {
                case "NX", "XX" -> {
                    return done(Reply.error(String.format(GLOBAL_ABSENCE_REFUSED, "SET ... " + option)));
                }
                case "GET" -> returnOld = true;
                case "EX", "PX", "EXAT", "PXAT", "KEEPTTL" -> {
                    return done(Reply.error(EXPIRY_UNSUPPORTED));
                }
                default -> throw new SyntaxError(CommandErrors.SYNTAX);
            }
        }
        Bytes key = key(command, 1);
        Bytes value = key(command, 2);
        if (returnOld) {
            var write = keyspace.getAndSet(key, value, now);
            return node.commit(connection, write.delta(), bulkOrNil(write.reply()));
        }
        return node.commit(connection, keyspace.set(key, value, now).delta(), Reply.ok());
    }

    private CompletableFuture<Reply> increment(Connection connection, Keyspace keyspace, Command command, long amount,
                                               long now) throws KeyspaceException {
        var write = keyspace.incrementBy(key(command, 1), amount, now);
        return node.commit(connection, write.delta(), Reply.integer(write.reply()));
    }

    /**
     * {@code DEBUG DIGEST}: the SHA-256 of the replica's encoded state, as 64 lower-case hex digits. Two replicas
     * answer the same digest exactly when their states (values and causal metadata) are identical, because the
     * codec is deterministic; the fault tests compare it across node processes to check convergence. It encodes the
     * whole keyspace, so it costs time proportional to the data and is meant for tests and operators, not for load.
     */
    private static Reply debug(Keyspace keyspace, Command command) {
        String sub = command.argumentString(1).toUpperCase(Locale.ROOT);
        if (!sub.equals("DIGEST")) {
            return Reply.error(CommandErrors.unknownSubcommand(command.argumentString(1), "DEBUG") + " Try DIGEST.");
        }
        if (command.argumentCount() != 2) {
            return Reply.error(CommandErrors.wrongArity("debug|digest"));
        }
        byte[] encoded = Codecs.encode(Keyspace.CODEC, keyspace.state());
        try {
            return Reply.bulk(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(encoded)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }

    /**
     * SCAN by key hash: the cursor is the last hash returned, and each call returns the keys with the next larger
     * hashes. A key present for the whole scan is returned (hash ties are returned together, so none is skipped).
     * Each call costs one pass over the keys; see docs/resp.md.
     */
    private static Reply scan(Keyspace keyspace, Command command) throws SyntaxError {
        long cursor;
        try {
            cursor = Long.parseUnsignedLong(command.argumentString(1));
        } catch (NumberFormatException e) {
            throw new SyntaxError("ERR invalid cursor");
        }
        GlobPattern match = null;
        int count = SCAN_COUNT_DEFAULT;
        Kind type = null;
        for (int i = 2; i < command.argumentCount(); i++) {
            String option = command.argumentString(i).toUpperCase(Locale.ROOT);
            if (i + 1 >= command.argumentCount()) {
                throw new SyntaxError(CommandErrors.SYNTAX);
            }
            switch (option) {
                case "MATCH" -> match = GlobPattern.of(command.argument(++i));
                case "COUNT" -> {
                    try {
                        count = Integer.parseInt(command.argumentString(++i));
                    } catch (NumberFormatException e) {
                        throw new SyntaxError(CommandErrors.NOT_AN_INTEGER);
                    }
                    if (count < 1) {
                        throw new SyntaxError(CommandErrors.SYNTAX);
                    }
                }
                case "TYPE" -> {
                    String name = command.argumentString(++i).toLowerCase(Locale.ROOT);
                    type = null;
                    for (Kind kind : Kind.values()) {
                        if (kind.redisName().equals(name)) {
                            type = kind;
                        }
                    }
                }
                default -> throw new SyntaxError(CommandErrors.SYNTAX);
            }
        }
        // The count smallest hashes above the cursor, kept in a bounded max-heap.
        PriorityQueue<Map.Entry<Long, Bytes>> next = new PriorityQueue<>(
                (a, b) -> Long.compareUnsigned(b.getKey(), a.getKey()));
        List<Bytes> all = keyspace.keys(GlobPattern.of(new byte[] {'*'}));
        for (Bytes key : all) {
            long hash = scanHash(key);
            if (Long.compareUnsigned(hash, cursor) <= 0) {
                continue;
            }
            if (next.size() < count) {
                next.add(Map.entry(hash, key));
            } else if (Long.compareUnsigned(hash, next.peek().getKey()) < 0) {
                next.poll();
                next.add(Map.entry(hash, key));
            }
        }
        long last = 0;
        List<Bytes> batch = new ArrayList<>();
        for (Map.Entry<Long, Bytes> entry : next) {
            if (Long.compareUnsigned(entry.getKey(), last) > 0) {
                last = entry.getKey();
            }
        }
        boolean finished = next.size() < count;
        for (Bytes key : all) {
            long hash = scanHash(key);
            // Everything in (cursor, last], ties with the largest included.
            if (Long.compareUnsigned(hash, cursor) > 0 && Long.compareUnsigned(hash, last) <= 0) {
                batch.add(key);
            }
        }
        List<Bytes> filtered = new ArrayList<>();
        for (Bytes key : batch) {
            if ((match == null || match.matches(key.toByteArray())) && (type == null || keyspace.type(key) == type)) {
                filtered.add(key);
            }
        }
        String nextCursor = finished ? "0" : Long.toUnsignedString(last);
        return Reply.array(Reply.bulk(nextCursor), Reply.array(bulks(filtered)));
    }

    /** A 64-bit FNV-1a hash of the key, never 0 (0 is the cursor that starts and ends a scan). */
    static long scanHash(Bytes key) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : key.toByteArray()) {
            hash ^= b & 0xFF;
            hash *= 0x100000001b3L;
        }
        return hash == 0 ? 1 : hash;
    }

    private static Bytes key(Command command, int index) {
        return Bytes.copyOf(command.argument(index));
    }

    private static List<Bytes> keys(Command command, int from) {
        List<Bytes> keys = new ArrayList<>(command.argumentCount() - from);
        for (int i = from; i < command.argumentCount(); i++) {
            keys.add(key(command, i));
        }
        return keys;
    }

    private static List<Reply> bulks(List<Bytes> values) {
        List<Reply> replies = new ArrayList<>(values.size());
        for (Bytes value : values) {
            replies.add(Reply.bulk(value.toByteArray()));
        }
        return replies;
    }

    private static Reply bulkOrNil(Optional<Bytes> value) {
        return value.map(v -> Reply.bulk(v.toByteArray())).orElse(Reply.nil());
    }

    static CompletableFuture<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
