package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Reply;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Handlers of the set commands {@code SPOP}, {@code SRANDMEMBER}, {@code SMOVE}, {@code SINTER}, {@code SUNION},
 * {@code SDIFF} and their {@code STORE} forms, {@code SINTERCARD}, {@code SMISMEMBER} and {@code SSCAN}, with Redis
 * 7.0's replies; the keyspace decides. Randomness is the server's thread-local generator, handed to the core.
 */
final class SetCommands {
    private SetCommands() {}

    /** {@code SPOP key [count]}: one member (or nil) without a count, an array with one. */
    static Reply pop(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        Bytes key = KeyCommands.key(command, 1);
        if (command.argumentCount() > 3) {
            throw new KeyspaceException(CommandErrors.SYNTAX);
        }
        if (command.argumentCount() == 2) {
            List<Bytes> popped = commits.commit(keyspace.setPop(key, 1, ThreadLocalRandom.current()));
            return popped.isEmpty() ? Reply.nil() : Reply.bulk(popped.get(0).toByteArray());
        }
        long count = positiveCount(command, 2);
        // Redis reads the count, then the key (its type), and only then answers a count of 0.
        if (keyspace.setSize(key) == 0) {
            return Reply.set(List.of());
        }
        return Reply.set(bulks(commits.commit(keyspace.setPop(key, count, ThreadLocalRandom.current()))));
    }

    /** {@code SRANDMEMBER key [count]}: a negative count may repeat members. */
    static Reply randomMember(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        Bytes key = KeyCommands.key(command, 1);
        if (command.argumentCount() > 3) {
            throw new KeyspaceException(CommandErrors.SYNTAX);
        }
        if (command.argumentCount() == 2) {
            List<Bytes> one = keyspace.setRandomMembers(key, 1, ThreadLocalRandom.current());
            return one.isEmpty() ? Reply.nil() : Reply.bulk(one.get(0).toByteArray());
        }
        long count = KeyspaceCommands.integer(command, 2);
        if (count < -HashCommands.RANDOM_REPEATS_MAX) {
            throw new KeyspaceException("ERR value is out of range");
        }
        return Reply.array(bulks(keyspace.setRandomMembers(key, count, ThreadLocalRandom.current())));
    }

    static Reply move(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        // Redis answers 0 for an absent source before it checks the destination's type.
        if (keyspace.type(KeyCommands.key(command, 1)) == null) {
            return Reply.integer(0);
        }
        return Reply.integer(commits.commit(keyspace.setMove(KeyCommands.key(command, 1), KeyCommands.key(command, 2),
                KeyCommands.key(command, 3), now)) ? 1 : 0);
    }

    static Reply containsEach(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        List<Reply> answers = new ArrayList<>();
        for (boolean present : keyspace.setContainsEach(KeyCommands.key(command, 1), keys(command, 2))) {
            answers.add(Reply.integer(present ? 1 : 0));
        }
        return Reply.array(answers);
    }

    static Reply intersection(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return algebra(keyspace, command, Keyspace.SetOperation.INTERSECTION);
    }

    static Reply union(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return algebra(keyspace, command, Keyspace.SetOperation.UNION);
    }

    static Reply difference(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return algebra(keyspace, command, Keyspace.SetOperation.DIFFERENCE);
    }

    static Reply intersectionStore(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return store(keyspace, commits, now, command, Keyspace.SetOperation.INTERSECTION);
    }

    static Reply unionStore(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return store(keyspace, commits, now, command, Keyspace.SetOperation.UNION);
    }

    static Reply differenceStore(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return store(keyspace, commits, now, command, Keyspace.SetOperation.DIFFERENCE);
    }

    private static Reply algebra(Keyspace keyspace, Command command, Keyspace.SetOperation operation)
            throws KeyspaceException {
        return Reply.set(bulks(keyspace.setAlgebra(operation, keys(command, 1), 0)));
    }

    private static Reply store(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command,
                               Keyspace.SetOperation operation) throws KeyspaceException {
        var members = keyspace.setAlgebra(operation, keys(command, 2), 0);
        return Reply.integer(commits.commit(keyspace.setStore(KeyCommands.key(command, 1), members, now)));
    }

    /** {@code SINTERCARD numkeys key [key ...] [LIMIT limit]}. */
    static Reply intersectionCardinality(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long keyCount;
        try {
            keyCount = command.argumentLong(1);
        } catch (NumberFormatException notAnInteger) {
            keyCount = 0;
        }
        if (keyCount <= 0) {
            throw new KeyspaceException("ERR numkeys should be greater than 0");
        }
        if (keyCount > command.argumentCount() - 2) {
            throw new KeyspaceException("ERR Number of keys can't be greater than number of args");
        }
        long limit = 0;
        int at = 2 + (int) keyCount;
        while (at < command.argumentCount()) {
            if (command.argumentString(at).toUpperCase(Locale.ROOT).equals("LIMIT")
                    && at + 1 < command.argumentCount()) {
                try {
                    limit = command.argumentLong(at + 1);
                } catch (NumberFormatException notAnInteger) {
                    limit = -1;
                }
                if (limit < 0) {
                    throw new KeyspaceException("ERR LIMIT can't be negative");
                }
                at += 2;
            } else {
                throw new KeyspaceException(CommandErrors.SYNTAX);
            }
        }
        List<Bytes> keys = keys(command, 2).subList(0, (int) keyCount);
        return Reply.integer(keyspace.setAlgebra(Keyspace.SetOperation.INTERSECTION, keys, limit).size());
    }

    /** {@code SSCAN key cursor [MATCH pattern] [COUNT count]} by member hash, as SCAN walks keys. */
    static Reply scan(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        // Redis reads the cursor, then the key (an absent key answers an empty page), and only then the options.
        ScanArguments.cursor(command.argumentString(2));
        Set<Bytes> members = keyspace.setMembers(KeyCommands.key(command, 1));
        if (members.isEmpty()) {
            return ScanArguments.emptyPage();
        }
        ScanArguments arguments = ScanArguments.parse(command, 2, false);
        ScanArguments.Page page = arguments.page(members);
        return Reply.array(Reply.bulk(page.cursor()), Reply.array(bulks(page.items())));
    }

    /** A count that must not be negative, with SPOP's wording. */
    private static long positiveCount(Command command, int index) throws KeyspaceException {
        // Redis's getPositiveLongFromObjectOrReply gives the same error for a non-integer as for a negative one.
        long count;
        try {
            count = command.argumentLong(index);
        } catch (NumberFormatException notAnInteger) {
            count = -1;
        }
        if (count < 0) {
            throw new KeyspaceException("ERR value is out of range, must be positive");
        }
        return count;
    }

    private static List<Bytes> keys(Command command, int from) {
        List<Bytes> keys = new ArrayList<>();
        for (int i = from; i < command.argumentCount(); i++) {
            keys.add(KeyCommands.key(command, i));
        }
        return keys;
    }

    private static List<Reply> bulks(Collection<Bytes> values) {
        List<Reply> replies = new ArrayList<>(values.size());
        for (Bytes value : values) {
            replies.add(Reply.bulk(value.toByteArray()));
        }
        return replies;
    }
}
