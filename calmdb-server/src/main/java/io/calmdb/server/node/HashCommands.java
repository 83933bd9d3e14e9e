package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Handlers of the hash commands {@code HMSET}, {@code HVALS}, {@code HSTRLEN}, {@code HRANDFIELD}, {@code HSCAN}
 * and {@code HINCRBYFLOAT}, with Redis 7.0's replies; the keyspace decides. Randomness is the server's, handed in.
 */
final class HashCommands {
    /**
     * The most elements {@code HRANDFIELD} and {@code SRANDMEMBER} answer for a negative count, which Redis lets
     * repeat without limit: 1,048,576, so one command cannot build an unbounded reply on the keyspace thread.
     */
    static final long RANDOM_REPEATS_MAX = 1L << 20;

    private HashCommands() {}

    static Reply hashSetMany(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        KeyspaceCommands.hashSet(keyspace, commits, now, command);
        return Reply.ok();
    }

    static Reply hashIncrementByFloat(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.bulk(commits.commit(keyspace.hashIncrementByFloat(KeyCommands.key(command, 1),
                KeyCommands.key(command, 2), KeyCommands.key(command, 3), now)).toByteArray());
    }

    static Reply hashValues(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        List<Reply> values = new ArrayList<>();
        for (Bytes value : keyspace.hashValues(KeyCommands.key(command, 1))) {
            values.add(Reply.bulk(value.toByteArray()));
        }
        return Reply.array(values);
    }

    static Reply hashStringLength(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(keyspace.hashStringLength(KeyCommands.key(command, 1), KeyCommands.key(command, 2)));
    }

    /**
     * {@code HRANDFIELD key [count [WITHVALUES]]}. With values the reply is the flat field-value array of RESP2 in
     * both protocols (Redis 7 nests pairs in RESP3; the handler does not see the connection's protocol).
     */
    static Reply hashRandomField(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        Bytes key = KeyCommands.key(command, 1);
        if (command.argumentCount() == 2) {
            List<Map.Entry<Bytes, Bytes>> one = keyspace.hashRandomFields(key, 1, ThreadLocalRandom.current());
            return one.isEmpty() ? Reply.nil() : Reply.bulk(one.get(0).getKey().toByteArray());
        }
        if (command.argumentCount() > 4) {
            throw new KeyspaceException(CommandErrors.SYNTAX);
        }
        long count = KeyspaceCommands.integer(command, 2);
        boolean withValues = false;
        if (command.argumentCount() == 4) {
            if (!command.argumentString(3).equalsIgnoreCase("WITHVALUES")) {
                throw new KeyspaceException(CommandErrors.SYNTAX);
            }
            withValues = true;
        }
        if (count < -RANDOM_REPEATS_MAX) {
            throw new KeyspaceException("ERR value is out of range");
        }
        List<Reply> replies = new ArrayList<>();
        for (Map.Entry<Bytes, Bytes> entry : keyspace.hashRandomFields(key, count, ThreadLocalRandom.current())) {
            replies.add(Reply.bulk(entry.getKey().toByteArray()));
            if (withValues) {
                replies.add(Reply.bulk(entry.getValue().toByteArray()));
            }
        }
        return Reply.array(replies);
    }

    /** {@code HSCAN key cursor [MATCH pattern] [COUNT count]} by field hash, as SCAN walks keys. */
    static Reply hashScan(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        // Redis reads the cursor, then the key (an absent key answers an empty page), and only then the options.
        ScanArguments.cursor(command.argumentString(2));
        Map<Bytes, Bytes> all = keyspace.hashGetAll(KeyCommands.key(command, 1));
        if (all.isEmpty()) {
            return ScanArguments.emptyPage();
        }
        ScanArguments arguments = ScanArguments.parse(command, 2, false);
        ScanArguments.Page page = arguments.page(all.keySet());
        List<Reply> replies = new ArrayList<>();
        for (Bytes field : page.items()) {
            replies.add(Reply.bulk(field.toByteArray()));
            replies.add(Reply.bulk(all.get(field).toByteArray()));
        }
        return Reply.array(Reply.bulk(page.cursor()), Reply.array(replies));
    }
}
