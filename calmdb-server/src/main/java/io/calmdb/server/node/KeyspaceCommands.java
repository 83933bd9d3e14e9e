package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.replication.keyspace.GlobPattern;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.replication.keyspace.Kind;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * The handlers of the Redis data commands {@link CommandRegistry} declares: each runs on the keyspace thread
 * against the local replica and answers from local state. A write is answered only once its delta is in the
 * write-ahead log per the fsync policy, because every handler runs inside {@link CalmNode#apply}.
 *
 * <p>A handler refuses a command by throwing {@link KeyspaceException} with the Redis error line, whether the
 * keyspace refused it (wrong type, a stored value that is not an integer) or its arguments do not parse (see
 * {@link #integer}); the dispatcher turns the refusal into the error reply.
 *
 * <p>Commands whose answer depends on global absence ({@code SET ... NX}, {@code SETNX}, {@code HSETNX},
 * {@code MSETNX}) are not answered here: a replica that has not seen a key cannot know no other region created it.
 * They are claims decided by the key's authority region ({@link ClaimCommands}); inside a transaction or script,
 * which cannot wait for another region, {@code SET ... NX} is refused with {@link #GLOBAL_ABSENCE_REFUSED}.
 */
final class KeyspaceCommands {
    /** The reply to commands that would need to know a key is absent everywhere. */
    static final String GLOBAL_ABSENCE_REFUSED = "ERR %s needs to know the key is absent in every region, which a "
            + "replica cannot know without coordination (another region may have created it concurrently); use "
            + "CLAIM key owner, which asks the key's authority region and answers ACCEPTED, REJECTED or PENDING";
    /** The reply to key expiry options, which CalmDB does not support yet. */
    static final String EXPIRY_UNSUPPORTED = "ERR key expiry (EX, PX, EXAT, PXAT, KEEPTTL) is not supported by CalmDB yet";
    /** The most keys a single SCAN call returns when no COUNT is given. */
    static final int SCAN_COUNT_DEFAULT = 10;
    /** The prefix of the reply to a write the log could not make durable. */
    static final String NOT_DURABLE = "ERR the write could not be made durable: ";

    private KeyspaceCommands() {}

    /**
     * Runs a keyspace handler for a RESP connection through the node's one write entry point. Refusals become
     * error replies; a full keyspace queue becomes the {@code BUSY} reply; a failed log write becomes
     * {@link #NOT_DURABLE}; a handler's bug fails the stage, which the front door answers as an internal error.
     */
    static CompletionStage<Reply> run(CalmNode node, Connection connection, Command command,
                                      CommandRegistry.KeyspaceHandler handler) {
        return run(node, connection, command, handler, false);
    }

    /** {@link #run}, with every write of the handler joined into one unit when {@code atomically} (scripts). */
    static CompletionStage<Reply> run(CalmNode node, Connection connection, Command command,
                                      CommandRegistry.KeyspaceHandler handler, boolean atomically) {
        KeyspaceTask<Reply> task = (keyspace, commits, now) -> {
            try {
                return handler.run(keyspace, commits, now, command);
            } catch (KeyspaceException refused) {
                return Reply.error(refused.getMessage());
            } catch (RuntimeException bug) {
                throw new HandlerFailure(bug);
            }
        };
        CompletableFuture<Reply> result = atomically ? node.applyAtomically(connection, task) : node.apply(connection, task);
        return result.exceptionally(error -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof KeyspaceThread.Busy busy) {
                return Reply.error(busy.getMessage());
            }
            if (cause instanceof HandlerFailure failure) {
                throw failure;
            }
            if (cause instanceof RejectedExecutionException) {
                throw (RejectedExecutionException) cause;
            }
            return Reply.error(NOT_DURABLE + rootMessage(cause));
        });
    }

    /** A handler threw an unchecked exception: a bug, kept apart from a failure of the log. */
    private static final class HandlerFailure extends RuntimeException {
        HandlerFailure(RuntimeException cause) {
            super(cause.toString(), cause);
        }
    }

    private static String rootMessage(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause != cause.getCause()) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    // ------------------------------------------------------------------------------------------------------
    // Strings and counters

    static Reply get(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return bulkOrNil(keyspace.get(key(command, 1)));
    }

    static Reply set(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        boolean returnOld = false;
        String absence = null;
        for (int i = 3; i < command.argumentCount(); i++) {
            String option = command.argumentString(i).toUpperCase(Locale.ROOT);
            switch (option) {
                case "NX", "XX" -> absence = StringCommands.absenceOption(absence, option);
                case "GET" -> returnOld = true;
                case "EX", "PX", "EXAT", "PXAT", "KEEPTTL" -> throw new KeyspaceException(EXPIRY_UNSUPPORTED);
                default -> throw new KeyspaceException(CommandErrors.SYNTAX);
            }
        }
        if (absence != null) {
            throw new KeyspaceException(String.format(GLOBAL_ABSENCE_REFUSED, "SET ... " + absence));
        }
        Bytes key = key(command, 1);
        Bytes value = key(command, 2);
        if (returnOld) {
            return bulkOrNil(commits.commit(keyspace.getAndSet(key, value, now)));
        }
        commits.commit(keyspace.set(key, value, now));
        return Reply.ok();
    }

    static Reply getSet(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return bulkOrNil(commits.commit(keyspace.getAndSet(key(command, 1), key(command, 2), now)));
    }

    static Reply getDelete(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return bulkOrNil(commits.commit(keyspace.getAndDelete(key(command, 1))));
    }

    static Reply getMany(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        List<Reply> values = new ArrayList<>();
        for (Optional<Bytes> value : keyspace.getMany(keys(command, 1))) {
            values.add(bulkOrNil(value));
        }
        return Reply.array(values);
    }

    static Reply setMany(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        Map<Bytes, Bytes> pairs = pairs(command, 1);
        commits.commit(keyspace.setMany(pairs, now));
        return Reply.ok();
    }

    static Reply increment(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.incrementBy(key(command, 1), 1, now)));
    }

    static Reply decrement(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.incrementBy(key(command, 1), -1, now)));
    }

    static Reply incrementBy(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.incrementBy(key(command, 1), integer(command, 2), now)));
    }

    /** Redis's refusal of {@code DECRBY key -9223372036854775808}, whose negation does not fit. */
    static final String DECREMENT_OVERFLOW = "ERR decrement would overflow";

    static Reply decrementBy(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long amount = integer(command, 2);
        if (amount == Long.MIN_VALUE) {
            // Its negation does not exist in 64 bits; Redis refuses it before reading the key, with this wording.
            throw new KeyspaceException(DECREMENT_OVERFLOW);
        }
        return Reply.integer(commits.commit(keyspace.incrementBy(key(command, 1), -amount, now)));
    }

    // ------------------------------------------------------------------------------------------------------
    // Sets

    static Reply setAdd(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.setAdd(key(command, 1), keys(command, 2), now)));
    }

    static Reply setRemove(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.setRemove(key(command, 1), keys(command, 2))));
    }

    static Reply setMembers(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.set(bulks(new ArrayList<>(keyspace.setMembers(key(command, 1)))));
    }

    static Reply setContains(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(keyspace.setContains(key(command, 1), key(command, 2)) ? 1 : 0);
    }

    static Reply setSize(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(keyspace.setSize(key(command, 1)));
    }

    // ------------------------------------------------------------------------------------------------------
    // Hashes

    static Reply hashSet(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        Map<Bytes, Bytes> fields = pairs(command, 2);
        return Reply.integer(commits.commit(keyspace.hashSet(key(command, 1), fields, now)));
    }

    static Reply hashGet(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return bulkOrNil(keyspace.hashGet(key(command, 1), key(command, 2)));
    }

    static Reply hashGetMany(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        Bytes key = key(command, 1);
        List<Reply> values = new ArrayList<>();
        for (int i = 2; i < command.argumentCount(); i++) {
            values.add(bulkOrNil(keyspace.hashGet(key, key(command, i))));
        }
        return Reply.array(values);
    }

    static Reply hashDelete(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.hashDelete(key(command, 1), keys(command, 2))));
    }

    static Reply hashGetAll(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        Map<Reply, Reply> all = new LinkedHashMap<>();
        keyspace.hashGetAll(key(command, 1)).forEach((field, value) ->
                all.put(Reply.bulk(field.toByteArray()), Reply.bulk(value.toByteArray())));
        return Reply.map(all);
    }

    static Reply hashExists(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(keyspace.hashGet(key(command, 1), key(command, 2)).isPresent() ? 1 : 0);
    }

    static Reply hashSize(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(keyspace.hashSize(key(command, 1)));
    }

    static Reply hashKeys(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.array(bulks(new ArrayList<>(keyspace.hashKeys(key(command, 1)))));
    }

    static Reply hashIncrementBy(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long amount = integer(command, 3);
        return Reply.integer(commits.commit(keyspace.hashIncrementBy(key(command, 1), key(command, 2), amount, now)));
    }

    // ------------------------------------------------------------------------------------------------------
    // Keys and server

    static Reply delete(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        return Reply.integer(commits.commit(keyspace.delete(keys(command, 1))));
    }

    static Reply exists(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        int count = 0;
        for (Bytes key : keys(command, 1)) {
            if (keyspace.exists(key)) {
                count++;
            }
        }
        return Reply.integer(count);
    }

    static Reply type(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        Kind kind = keyspace.type(key(command, 1));
        return Reply.simple(kind == null ? "none" : kind.redisName());
    }

    static Reply keys(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        return Reply.array(bulks(keyspace.keys(GlobPattern.of(command.argument(1)))));
    }

    static Reply size(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        return Reply.integer(keyspace.size());
    }

    /**
     * {@code DEBUG DIGEST}: the SHA-256 of the replica's encoded state, as 64 lower-case hex digits. Two replicas
     * answer the same digest exactly when their states (values and causal metadata) are identical, because the
     * codec is deterministic; the fault tests compare it across node processes to check convergence. It encodes the
     * whole keyspace, so it costs time proportional to the data and is meant for tests and operators, not for load.
     */
    static Reply debug(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
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
    static Reply scan(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        ScanArguments arguments = ScanArguments.parse(command, 1, true);
        long cursor = arguments.cursor();
        GlobPattern match = arguments.match();
        int count = arguments.count();
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
            if ((match == null || match.matches(key.toByteArray())) && arguments.typeMatches(keyspace.type(key))) {
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

    /**
     * The argument at {@code index} as a signed 64-bit integer under Redis's rules ({@code +5}, {@code 05} and
     * {@code " 5"} are refused, as Redis refuses them), or the refusal {@link CommandErrors#NOT_AN_INTEGER}.
     */
    static long integer(Command command, int index) throws KeyspaceException {
        try {
            return command.argumentLong(index);
        } catch (NumberFormatException notAnInteger) {
            throw new KeyspaceException(CommandErrors.NOT_AN_INTEGER);
        }
    }

    /** The arguments from {@code from} on as field-value pairs; an unpaired field is Redis's arity error. */
    private static Map<Bytes, Bytes> pairs(Command command, int from) throws KeyspaceException {
        if ((command.argumentCount() - from) % 2 != 0) {
            throw new KeyspaceException(CommandErrors.wrongArity(command.name()));
        }
        Map<Bytes, Bytes> pairs = new LinkedHashMap<>();
        for (int i = from; i < command.argumentCount(); i += 2) {
            pairs.put(key(command, i), key(command, i + 1));
        }
        return pairs;
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
}
