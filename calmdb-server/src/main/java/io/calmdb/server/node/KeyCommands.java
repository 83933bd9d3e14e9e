package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Reply;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Handlers of the generic key commands {@code FLUSHALL}, {@code FLUSHDB}, {@code RENAME}, {@code RENAMENX},
 * {@code COPY}, {@code RANDOMKEY}, {@code TOUCH}, {@code OBJECT} and {@code MEMORY}: argument parsing with Redis
 * 7.0's replies, the decisions in {@link Keyspace}. Randomness comes from the server's thread-local generator and is
 * handed to the core, which never draws its own.
 */
final class KeyCommands {
    /** Redis's reply to {@code OBJECT FREQ} without an LFU policy, which CalmDB never has. */
    static final String FREQ_NOT_TRACKED = "ERR An LFU maxmemory policy is not selected, access frequency not "
            + "tracked. Please note that when switching between policies at runtime LRU and LFU data will take "
            + "some time to adjust.";

    private KeyCommands() {}

    /** {@code FLUSHALL [ASYNC|SYNC]} and {@code FLUSHDB [ASYNC|SYNC]}: both flush at once, as one delta. */
    static Reply flush(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        if (command.argumentCount() > 2) {
            throw new KeyspaceException(CommandErrors.SYNTAX);
        }
        if (command.argumentCount() == 2) {
            String mode = command.argumentString(1).toUpperCase(Locale.ROOT);
            if (!mode.equals("ASYNC") && !mode.equals("SYNC")) {
                throw new KeyspaceException(CommandErrors.SYNTAX);
            }
        }
        commits.commit(keyspace.flushAll());
        return Reply.ok();
    }

    static Reply rename(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        commits.commit(keyspace.rename(key(command, 1), key(command, 2), false, now));
        return Reply.ok();
    }

    static Reply renameIfAbsent(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.rename(key(command, 1), key(command, 2), true, now)) ? 1 : 0);
    }

    /** {@code COPY source destination [DB db] [REPLACE]}: db 0 is the only database, as for SELECT. */
    static Reply copy(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        boolean replace = false;
        for (int i = 3; i < command.argumentCount(); i++) {
            String option = command.argumentString(i).toUpperCase(Locale.ROOT);
            if (option.equals("REPLACE")) {
                replace = true;
            } else if (option.equals("DB") && i + 1 < command.argumentCount()) {
                long db = KeyspaceCommands.integer(command, ++i);
                if (db != 0) {
                    throw new KeyspaceException(CommandErrors.DB_INDEX_OUT_OF_RANGE);
                }
            } else {
                throw new KeyspaceException(CommandErrors.SYNTAX);
            }
        }
        return Reply.integer(commits.commit(keyspace.copy(key(command, 1), key(command, 2), replace, now)) ? 1 : 0);
    }

    static Reply randomKey(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        return bulkOrNil(keyspace.randomKey(ThreadLocalRandom.current()));
    }

    /** {@code TOUCH}: counts the keys present (CalmDB keeps no access times to update). */
    static Reply touch(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        int count = 0;
        for (int i = 1; i < command.argumentCount(); i++) {
            if (keyspace.exists(key(command, i))) {
                count++;
            }
        }
        return Reply.integer(count);
    }

    /** {@code OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP}; see docs/resp.md for what each answers. */
    static Reply object(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        String sub = command.argumentString(1).toUpperCase(Locale.ROOT);
        if (sub.equals("HELP") && command.argumentCount() == 2) {
            return help("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "ENCODING <key>",
                    "    Return the kind of internal representation used in order to store the value",
                    "    associated with a <key>.",
                    "FREQ <key>",
                    "    Return the access frequency index of the <key>. The returned integer is",
                    "    proportional to the logarithm of the recent access frequency of the key.",
                    "IDLETIME <key>",
                    "    Return the idle time of the <key>, that is the approximated number of",
                    "    seconds elapsed since the last access to the key.",
                    "REFCOUNT <key>",
                    "    Return the number of references of the value associated with the specified",
                    "    <key>.",
                    "HELP",
                    "    Prints this help.");
        }
        if (!List.of("ENCODING", "FREQ", "IDLETIME", "REFCOUNT").contains(sub) || command.argumentCount() != 3) {
            if (List.of("ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP").contains(sub)) {
                throw new KeyspaceException(CommandErrors.wrongArity("object|" + sub.toLowerCase(Locale.ROOT)));
            }
            throw new KeyspaceException(CommandErrors.unknownSubcommand(command.argumentString(1), "OBJECT"));
        }
        Bytes key = key(command, 2);
        if (!keyspace.exists(key)) {
            return Reply.nil();
        }
        return switch (sub) {
            case "ENCODING" -> keyspace.objectEncoding(key).<Reply>map(Reply::bulk).orElse(Reply.nil());
            case "FREQ" -> throw new KeyspaceException(FREQ_NOT_TRACKED);
            // Access times are not kept (a read would have to write one): every key reads as just used.
            case "IDLETIME" -> Reply.integer(0);
            // Values are never shared between keys in CalmDB.
            default -> Reply.integer(1);
        };
    }

    /** {@code MEMORY USAGE key [SAMPLES count]} and {@code MEMORY HELP}. */
    static Reply memory(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        String sub = command.argumentString(1).toUpperCase(Locale.ROOT);
        if (sub.equals("HELP") && command.argumentCount() == 2) {
            return help("MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                    "USAGE <key> [SAMPLES <count>]",
                    "    Return memory in bytes used by <key> and its value. Nested values are",
                    "    sampled up to <count> times (default: 5, 0 means sample all).",
                    "HELP",
                    "    Prints this help.");
        }
        if (!sub.equals("USAGE")) {
            throw new KeyspaceException(CommandErrors.unknownSubcommand(command.argumentString(1), "MEMORY"));
        }
        if (command.argumentCount() < 3) {
            throw new KeyspaceException(CommandErrors.wrongArity("memory|usage"));
        }
        for (int i = 3; i < command.argumentCount(); i++) {
            if (command.argumentString(i).equalsIgnoreCase("SAMPLES") && i + 1 < command.argumentCount()) {
                // The estimate encodes the whole value; the sample count is checked and otherwise not needed.
                long samples = KeyspaceCommands.integer(command, ++i);
                if (samples < 0) {
                    throw new KeyspaceException(CommandErrors.NOT_AN_INTEGER);
                }
            } else {
                throw new KeyspaceException(CommandErrors.SYNTAX);
            }
        }
        return keyspace.memoryUsage(key(command, 2)).<Reply>map(Reply::integer).orElse(Reply.nil());
    }

    static Reply help(String... lines) {
        Reply[] replies = new Reply[lines.length];
        for (int i = 0; i < lines.length; i++) {
            replies[i] = Reply.simple(lines[i]);
        }
        return Reply.array(replies);
    }

    static Bytes key(Command command, int index) {
        return Bytes.copyOf(command.argument(index));
    }

    static Reply bulkOrNil(Optional<Bytes> value) {
        return value.map(v -> Reply.bulk(v.toByteArray())).orElse(Reply.nil());
    }
}
