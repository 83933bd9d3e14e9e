package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Generated IDs and bounded counters over RESP (issue 8): {@code ID.NEXT}, {@code ID.BATCH}, {@code BC.INIT},
 * {@code BC.INCRBY}, {@code BC.DECRBY}, {@code BC.GET}, {@code BC.RIGHTS}. The decisions are the keyspace's and the
 * replica core's; these handlers parse arguments and shape replies. See docs/coordination.md.
 */
final class CoordinationCommands {
    private CoordinationCommands() {}

    /** How long {@code BC.DECRBY} waits for rights from peers when no {@code TIMEOUT} is given, in milliseconds. */
    static final long DECREMENT_TIMEOUT_MILLIS_DEFAULT = 1_000;

    /** {@code ID.NEXT namespace}: one ID, once its high-water mark is durable. */
    static Reply idNext(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.idNext(key(command, 1), now)));
    }

    /** {@code ID.BATCH namespace count}: the leased range as an array {@code [first, last]}. */
    static Reply idBatch(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long count = integer(command, 2);
        if (count < 1 || count > Keyspace.ID_BATCH_SIZE_MAX) {
            throw new KeyspaceException("ERR ID.BATCH count must be between 1 and " + Keyspace.ID_BATCH_SIZE_MAX
                    + " (ID_BATCH_SIZE_MAX: one millisecond's sequences), got " + count);
        }
        long[] range = commits.commit(keyspace.idBatch(key(command, 1), (int) count, now));
        return Reply.array(Reply.integer(range[0]), Reply.integer(range[1]));
    }

    /** {@code BC.INIT key value [MIN floor]}: the value (MIN defaults to 0). */
    static Reply init(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long value = integer(command, 2);
        long floor = 0;
        if (command.argumentCount() == 5 && command.argumentString(3).toUpperCase(Locale.ROOT).equals("MIN")) {
            floor = integer(command, 4);
        } else if (command.argumentCount() != 3) {
            throw new KeyspaceException(CommandErrors.SYNTAX);
        }
        return Reply.integer(commits.commit(keyspace.boundedInit(key(command, 1), value, floor, now)));
    }

    /** {@code BC.INCRBY key amount}: the value after it. */
    static Reply incrementBy(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.boundedIncrement(key(command, 1), integer(command, 2), now)));
    }

    /** {@code BC.GET key}: the value as this region sees it, or nil. */
    static Reply get(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        Long value = keyspace.boundedGet(key(command, 1));
        return value == null ? Reply.nil() : Reply.integer(value);
    }

    /** {@code BC.RIGHTS key}: region, rights, region, rights... (this region's exact, the others' as last seen). */
    static Reply rights(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        List<Reply> pairs = new ArrayList<>();
        for (Map.Entry<ReplicaId, Long> entry : keyspace.boundedRights(key(command, 1)).entrySet()) {
            pairs.add(Reply.bulk(entry.getKey().name()));
            pairs.add(Reply.integer(entry.getValue()));
        }
        return Reply.array(pairs);
    }

    /**
     * {@code BC.DECRBY key amount [TIMEOUT ms]}: the value after it. Within this region's rights it is answered once
     * durable; beyond them it waits up to the timeout for rights from peers, then fails with a {@code RIGHTS} error.
     */
    static CompletionStage<Reply> decrementBy(CalmNode node, Connection connection, Command command) {
        long amount;
        long timeoutMillis = DECREMENT_TIMEOUT_MILLIS_DEFAULT;
        try {
            amount = integer(command, 2);
            if (command.argumentCount() == 5 && command.argumentString(3).toUpperCase(Locale.ROOT).equals("TIMEOUT")) {
                timeoutMillis = integer(command, 4);
            } else if (command.argumentCount() != 3) {
                return CompletableFuture.completedFuture(Reply.error(CommandErrors.SYNTAX));
            }
        } catch (KeyspaceException e) {
            return CompletableFuture.completedFuture(Reply.error(e.getMessage()));
        }
        return node.boundedDecrement(connection, key(command, 1), amount, timeoutMillis);
    }

    private static Bytes key(Command command, int index) {
        return Bytes.copyOf(command.argument(index));
    }

    private static long integer(Command command, int index) throws KeyspaceException {
        return KeyspaceCommands.integer(command, index);
    }
}
