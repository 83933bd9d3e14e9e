package io.calmdb.server.node;

import static io.calmdb.server.resp.CommandFlag.ADMIN;
import static io.calmdb.server.resp.CommandFlag.DENYOOM;
import static io.calmdb.server.resp.CommandFlag.FAST;
import static io.calmdb.server.resp.CommandFlag.LOADING;
import static io.calmdb.server.resp.CommandFlag.READONLY;
import static io.calmdb.server.resp.CommandFlag.STALE;
import static io.calmdb.server.resp.CommandFlag.WRITE;

import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandHandler;
import io.calmdb.server.resp.CommandSpec;
import io.calmdb.server.resp.CommandTable;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.Reply;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Every data command of a node, each declared exactly once: its name, arity, flags, key positions with how the keys
 * are used, documentation group, one-line summary, the Redis version that introduced it, and its handler. The RESP
 * command table ({@code COMMAND}, {@code COMMAND INFO}, {@code COMMAND DOCS}, arity checks) and the dispatch to
 * handlers are both generated from this list, so a command cannot exist in one and be missing from the other.
 *
 * <p>A keyspace handler runs on the keyspace thread through {@link CalmNode#apply}, the node's one write entry
 * point, which the HTTP and embedded front doors use too; a node handler runs on the connection's thread for
 * commands that never touch the keyspace ({@code WAIT}, {@code CLUSTER}, {@code INFO}, and the refusals of
 * commands that would need global absence). Adding a command means adding one declaration below (see
 * {@code docs/resp.md}, "Adding a command"). Immutable and thread-safe.
 */
final class CommandRegistry {
    /** Redis's key-specification flags, named once so declarations read as Redis's own. */
    private static final String[] READ = {"RO", "access"};
    private static final String[] READ_MODIFY_WRITE = {"RW", "access", "update"};
    private static final String[] READ_AND_DELETE = {"RW", "access", "delete"};
    private static final String[] OVERWRITE = {"OW", "update"};
    private static final String[] INSERT = {"RW", "insert"};
    private static final String[] UPDATE = {"RW", "update"};
    private static final String[] REMOVE = {"RW", "delete"};
    private static final String[] DELETE_KEY = {"RM", "delete"};

    /** Runs a data command against the keyspace, on the keyspace thread; writes go through {@code commits}. */
    @FunctionalInterface
    interface KeyspaceHandler {
        /**
         * Runs {@code command}, whose arity was already checked.
         *
         * @throws KeyspaceException when the command is refused; its message is the Redis error line
         */
        Reply run(Keyspace keyspace, KeyspaceTask.Commits commits, long nowMillis, Command command)
                throws KeyspaceException;
    }

    /** Runs a command that does not touch the keyspace, on the connection's thread; it must not block. */
    @FunctionalInterface
    interface NodeHandler {
        CompletionStage<Reply> run(CalmNode node, Connection connection, Command command);
    }

    /** One declared command: exactly one of the two handlers is set. */
    record Entry(CommandSpec spec, KeyspaceHandler keyspaceHandler, NodeHandler nodeHandler) {
        Entry {
            Objects.requireNonNull(spec, "spec");
            if ((keyspaceHandler == null) == (nodeHandler == null)) {
                throw new IllegalArgumentException("command '" + spec.name() + "' needs exactly one handler");
            }
        }
    }

    private static final CommandRegistry STANDARD = declareStandard();

    private final Map<String, Entry> byName;
    private final CommandTable table;

    private CommandRegistry(Map<String, Entry> byName) {
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
        CommandTable.Builder builder = CommandTable.builder();
        byName.values().forEach(entry -> builder.add(entry.spec()));
        this.table = builder.build();
    }

    /** The node's data commands. */
    static CommandRegistry standard() {
        return STANDARD;
    }

    /** The RESP command table: the front door's connection commands plus every command declared here. */
    CommandTable table() {
        return table;
    }

    /** The entry declared under the lower-case canonical {@code name}, or null. */
    Entry find(String name) {
        return byName.get(name);
    }

    /**
     * The RESP handler generated from the declarations: a command's name leads to its one handler, with no second
     * list of names to keep in step. Keyspace handlers run through {@link CalmNode#apply}, so a RESP write is logged,
     * acknowledged and replicated exactly as an HTTP or embedded one.
     */
    CommandHandler handler(CalmNode node) {
        Objects.requireNonNull(node, "node");
        return new CommandHandler() {
            @Override
            public CompletionStage<Reply> handle(Connection connection, Command command) {
                Entry entry = byName.get(command.name());
                if (entry == null) {
                    throw new IllegalStateException("the table routed '" + command.name() + "', which is not declared");
                }
                if (entry.nodeHandler() != null) {
                    return entry.nodeHandler().run(node, connection, command);
                }
                if (ClaimCommands.isSetIfAbsent(command)) {
                    // SET NX is a claim on the key (issue 8); inside MULTI and scripts SET keeps its refusal of NX.
                    return ClaimCommands.setIfAbsent(node, connection, command);
                }
                return KeyspaceCommands.run(node, connection, command, entry.keyspaceHandler());
            }

            @Override
            public CompletionStage<List<Reply>> execute(Connection connection, List<Command> commands) {
                return TransactionCommands.execute(node, CommandRegistry.this, connection, commands);
            }

            @Override
            public void unwatchAll(Connection connection) {
                TransactionCommands.unwatchAll(node, connection);
            }
        };
    }

    /** Every declared entry, in declaration order. */
    List<Entry> entries() {
        return List.copyOf(byName.values());
    }

    private static CommandRegistry declareStandard() {
        Declarations commands = new Declarations();
        // Strings and counters.
        commands.keyspace(command("get", 2, "string", "Returns the string value of a key.").keys(1, 1, 1, READ)
                .flags(READONLY, FAST), KeyspaceCommands::get);
        commands.keyspace(command("set", -3, "string", "Sets the string value of a key, optionally returning the "
                + "old value.").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM), ExpiryCommands::set);
        commands.node(command("setnx", 3, "string", "Sets a key only if absent, as decided by the key's authority "
                + "region.").keys(1, 1, 1, "OW", "insert").flags(WRITE, DENYOOM, FAST), ClaimCommands::setNx);
        commands.keyspace(command("getset", 3, "string", "Sets a key's string value and returns the old one.")
                .keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM, FAST), KeyspaceCommands::getSet);
        commands.keyspace(command("getdel", 2, "string", "Returns a key's string value and deletes the key.")
                .since("6.2.0").keys(1, 1, 1, READ_AND_DELETE).flags(WRITE, FAST), KeyspaceCommands::getDelete);
        commands.keyspace(command("mget", -2, "string", "Returns the string values of one or more keys.")
                .keys(1, -1, 1, READ).flags(READONLY, FAST), KeyspaceCommands::getMany);
        commands.keyspace(command("mset", -3, "string", "Sets the string values of one or more keys.")
                .since("1.0.1").keys(1, -1, 2, OVERWRITE).flags(WRITE, DENYOOM), KeyspaceCommands::setMany);
        commands.node(command("msetnx", -3, "string", "Sets keys only if all are absent, as decided by their one "
                + "authority region.").since("1.0.1").keys(1, -1, 2, "OW", "insert").flags(WRITE, DENYOOM),
                ClaimCommands::setManyNx);
        commands.keyspace(command("incr", 2, "string", "Adds one to the integer value of a key, 0 when absent.")
                .keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM, FAST), KeyspaceCommands::increment);
        commands.keyspace(command("decr", 2, "string", "Subtracts one from the integer value of a key, 0 when "
                + "absent.").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM, FAST),
                KeyspaceCommands::decrement);
        commands.keyspace(command("incrby", 3, "string", "Adds a number to the integer value of a key, 0 when "
                + "absent.").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM, FAST),
                KeyspaceCommands::incrementBy);
        commands.keyspace(command("decrby", 3, "string", "Subtracts a number from the integer value of a key, 0 "
                + "when absent.").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM, FAST),
                KeyspaceCommands::decrementBy);
        // Sets.
        commands.keyspace(command("sadd", -3, "set", "Adds members to a set, creating it when absent.")
                .keys(1, 1, 1, INSERT).flags(WRITE, DENYOOM, FAST), KeyspaceCommands::setAdd);
        commands.keyspace(command("srem", -3, "set", "Removes the members of a set this replica has seen.")
                .keys(1, 1, 1, REMOVE).flags(WRITE, FAST), KeyspaceCommands::setRemove);
        commands.keyspace(command("smembers", 2, "set", "Returns every member of a set.")
                .keys(1, 1, 1, READ).flags(READONLY), KeyspaceCommands::setMembers);
        commands.keyspace(command("sismember", 3, "set", "Tells whether a value is a member of a set.")
                .keys(1, 1, 1, READ).flags(READONLY, FAST), KeyspaceCommands::setContains);
        commands.keyspace(command("scard", 2, "set", "Returns the number of members of a set.")
                .keys(1, 1, 1, "RO").flags(READONLY, FAST), KeyspaceCommands::setSize);
        // Hashes.
        commands.keyspace(command("hset", -4, "hash", "Sets fields of a hash, creating it when absent.")
                .since("2.0.0").keys(1, 1, 1, UPDATE).flags(WRITE, DENYOOM, FAST), KeyspaceCommands::hashSet);
        commands.node(command("hsetnx", 4, "hash", "Sets a hash field only if absent, as decided by the key's "
                + "authority region.").since("2.0.0").keys(1, 1, 1, INSERT).flags(WRITE, DENYOOM, FAST),
                ClaimCommands::hashSetNx);
        commands.keyspace(command("hget", 3, "hash", "Returns the value of a field of a hash.")
                .since("2.0.0").keys(1, 1, 1, READ).flags(READONLY, FAST), KeyspaceCommands::hashGet);
        commands.keyspace(command("hmget", -3, "hash", "Returns the values of fields of a hash.")
                .since("2.0.0").keys(1, 1, 1, READ).flags(READONLY, FAST), KeyspaceCommands::hashGetMany);
        commands.keyspace(command("hdel", -3, "hash", "Removes the fields of a hash this replica has seen.")
                .since("2.0.0").keys(1, 1, 1, REMOVE).flags(WRITE, FAST), KeyspaceCommands::hashDelete);
        commands.keyspace(command("hgetall", 2, "hash", "Returns every field and value of a hash.")
                .since("2.0.0").keys(1, 1, 1, READ).flags(READONLY), KeyspaceCommands::hashGetAll);
        commands.keyspace(command("hexists", 3, "hash", "Tells whether a field exists in a hash.")
                .since("2.0.0").keys(1, 1, 1, "RO").flags(READONLY, FAST), KeyspaceCommands::hashExists);
        commands.keyspace(command("hlen", 2, "hash", "Returns the number of fields of a hash.")
                .since("2.0.0").keys(1, 1, 1, "RO").flags(READONLY, FAST), KeyspaceCommands::hashSize);
        commands.keyspace(command("hkeys", 2, "hash", "Returns every field name of a hash.")
                .since("2.0.0").keys(1, 1, 1, READ).flags(READONLY), KeyspaceCommands::hashKeys);
        commands.keyspace(command("hincrby", 4, "hash", "Adds a number to the integer value of a hash field, 0 "
                + "when absent.").since("2.0.0").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM, FAST),
                KeyspaceCommands::hashIncrementBy);
        // Keys.
        commands.keyspace(command("del", -2, "generic", "Deletes what this replica has seen of one or more keys.")
                .keys(1, -1, 1, DELETE_KEY).flags(WRITE), KeyspaceCommands::delete);
        commands.keyspace(command("unlink", -2, "generic", "Deletes keys; the same as DEL in CalmDB.")
                .since("4.0.0").keys(1, -1, 1, DELETE_KEY).flags(WRITE, FAST), KeyspaceCommands::delete);
        commands.keyspace(command("exists", -2, "generic", "Counts how many of the given keys exist.")
                .keys(1, -1, 1, "RO").flags(READONLY, FAST), KeyspaceCommands::exists);
        commands.keyspace(command("type", 2, "generic", "Returns the type of the value at a key.")
                .keys(1, 1, 1, "RO").flags(READONLY, FAST), KeyspaceCommands::type);
        commands.keyspace(command("keys", 2, "generic", "Returns the keys that match a glob-style pattern.")
                .flags(READONLY), KeyspaceCommands::keys);
        commands.keyspace(command("scan", -2, "generic", "Iterates over the keys, a batch per call.")
                .since("2.8.0").flags(READONLY), KeyspaceCommands::scan);
        // Server and replication.
        commands.keyspace(command("dbsize", 1, "server", "Returns the number of keys on this replica.")
                .flags(READONLY, FAST), KeyspaceCommands::size);
        commands.node(command("info", -1, "server", "Returns information about the node and its replication.")
                .flags(LOADING, STALE), (node, connection, command) -> node.info(command));
        commands.node(command("wait", 3, "generic", "Waits until the connection's writes reach a number of "
                + "replicas or the timeout passes.").since("3.0.0"), CalmNode::waitForReplicas);
        commands.node(command("cluster", -2, "cluster", "Partitions, heals and lists this node's replication "
                + "links.").since("3.0.0").flags(ADMIN, STALE),
                (node, connection, command) -> node.clusterCommand(command));
        commands.keyspace(command("debug", -2, "server", "DEBUG DIGEST: a SHA-256 of this replica's state.")
                .flags(ADMIN, READONLY), KeyspaceCommands::debug);
        declareExpiry(commands);
        declareData(commands);
        declareTransactions(commands);
        declareScripting(commands);
        declareClaims(commands);
        declarePubSub(commands);
        declareServer(commands);
        declareQuorum(commands);
        declareEscrow(commands);
        return new CommandRegistry(commands.byName);
    }

    /** Key expiry (issue 9, item 1); handlers in {@link ExpiryCommands}. SET itself is declared above. */
    private static void declareExpiry(Declarations commands) {
        commands.keyspace(command("expire", -3, "generic", "Sets a key's time to live in seconds.")
                .keys(1, 1, 1, UPDATE).flags(WRITE, FAST), ExpiryCommands::expire);
        commands.keyspace(command("pexpire", -3, "generic", "Sets a key's time to live in milliseconds.")
                .since("2.6.0").keys(1, 1, 1, UPDATE).flags(WRITE, FAST), ExpiryCommands::pexpire);
        commands.keyspace(command("expireat", -3, "generic", "Sets a key's expiry to a Unix time in seconds.")
                .since("1.2.0").keys(1, 1, 1, UPDATE).flags(WRITE, FAST), ExpiryCommands::expireAt);
        commands.keyspace(command("pexpireat", -3, "generic", "Sets a key's expiry to a Unix time in milliseconds.")
                .since("2.6.0").keys(1, 1, 1, UPDATE).flags(WRITE, FAST), ExpiryCommands::pexpireAt);
        commands.keyspace(command("ttl", 2, "generic", "Returns a key's time to live in seconds.")
                .keys(1, 1, 1, READ).flags(READONLY, FAST), ExpiryCommands::ttl);
        commands.keyspace(command("pttl", 2, "generic", "Returns a key's time to live in milliseconds.")
                .since("2.6.0").keys(1, 1, 1, READ).flags(READONLY, FAST), ExpiryCommands::pttl);
        commands.keyspace(command("expiretime", 2, "generic", "Returns a key's expiry as a Unix time in seconds.")
                .since("7.0.0").keys(1, 1, 1, READ).flags(READONLY, FAST), ExpiryCommands::expireTime);
        commands.keyspace(command("pexpiretime", 2, "generic", "Returns a key's expiry as a Unix time in "
                + "milliseconds.").since("7.0.0").keys(1, 1, 1, READ).flags(READONLY, FAST),
                ExpiryCommands::pexpireTime);
        commands.keyspace(command("persist", 2, "generic", "Removes a key's expiry.")
                .since("2.2.0").keys(1, 1, 1, UPDATE).flags(WRITE, FAST), ExpiryCommands::persist);
        commands.keyspace(command("setex", 4, "string", "Sets a string and its time to live in seconds.")
                .since("2.0.0").keys(1, 1, 1, OVERWRITE).flags(WRITE, DENYOOM), ExpiryCommands::setWithSeconds);
        commands.keyspace(command("psetex", 4, "string", "Sets a string and its time to live in milliseconds.")
                .since("2.6.0").keys(1, 1, 1, OVERWRITE).flags(WRITE, DENYOOM), ExpiryCommands::setWithMilliseconds);
        commands.keyspace(command("getex", -2, "string", "Returns a string and optionally sets or removes its "
                + "expiry.").since("6.2.0").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, FAST),
                ExpiryCommands::getAndExpire);
    }

    /** The everyday data commands of issue 9 (keys, string edits, hashes, sets); handlers in the *Commands classes. */
    private static void declareData(Declarations commands) {
        // Keys.
        commands.keyspace(command("flushall", -1, "server", "Removes every key this replica has seen.")
                .flags(WRITE), KeyCommands::flush);
        commands.keyspace(command("flushdb", -1, "server", "Removes every key this replica has seen (one database)."
                ).flags(WRITE), KeyCommands::flush);
        commands.keyspace(command("rename", 3, "generic", "Renames a key, replacing the destination.")
                .keys(1, 2, 1, READ_MODIFY_WRITE).flags(WRITE), KeyCommands::rename);
        commands.keyspace(command("renamenx", 3, "generic", "Renames a key when the destination is absent on this "
                + "replica.").keys(1, 2, 1, READ_MODIFY_WRITE).flags(WRITE, FAST), KeyCommands::renameIfAbsent);
        commands.keyspace(command("copy", -3, "generic", "Copies the value of a key to another key.")
                .since("6.2.0").keys(1, 2, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM), KeyCommands::copy);
        commands.keyspace(command("randomkey", 1, "generic", "Returns a random key of this replica.")
                .flags(READONLY), KeyCommands::randomKey);
        commands.keyspace(command("touch", -2, "generic", "Counts the given keys that exist.")
                .since("3.2.1").keys(1, -1, 1, "RO").flags(READONLY, FAST), KeyCommands::touch);
        commands.keyspace(command("object", -2, "generic", "OBJECT ENCODING, FREQ, IDLETIME, REFCOUNT: "
                + "inspects a key's value.").since("2.2.3").flags(READONLY), KeyCommands::object);
        commands.keyspace(command("memory", -2, "server", "MEMORY USAGE: estimates the bytes a key takes.")
                .since("4.0.0").flags(READONLY), KeyCommands::memory);
        // Strings.
        commands.keyspace(command("append", 3, "string", "Appends to the string at a key, creating it when absent.")
                .since("2.0.0").keys(1, 1, 1, INSERT).flags(WRITE, DENYOOM, FAST), StringCommands::append);
        commands.keyspace(command("strlen", 2, "string", "Returns the length of a string.")
                .since("2.2.0").keys(1, 1, 1, "RO").flags(READONLY, FAST), StringCommands::stringLength);
        commands.keyspace(command("getrange", 4, "string", "Returns a substring of a string.")
                .since("2.4.0").keys(1, 1, 1, READ).flags(READONLY), StringCommands::getRange);
        commands.keyspace(command("substr", 4, "string", "Returns a substring of a string (old name of GETRANGE).")
                .keys(1, 1, 1, READ).flags(READONLY), StringCommands::getRange);
        commands.keyspace(command("setrange", 4, "string", "Overwrites part of a string from an offset.")
                .since("2.2.0").keys(1, 1, 1, UPDATE).flags(WRITE, DENYOOM), StringCommands::setRange);
        commands.keyspace(command("getbit", 3, "bitmap", "Returns a bit of a string.")
                .since("2.2.0").keys(1, 1, 1, READ).flags(READONLY, FAST), StringCommands::getBit);
        commands.keyspace(command("setbit", 4, "bitmap", "Sets or clears a bit of a string.")
                .since("2.2.0").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM), StringCommands::setBit);
        commands.keyspace(command("bitcount", -2, "bitmap", "Counts the set bits of a string or of a range.")
                .since("2.6.0").keys(1, 1, 1, READ).flags(READONLY), StringCommands::bitCount);
        commands.keyspace(command("lcs", -3, "string", "Finds the longest common subsequence of two strings.")
                .since("7.0.0").keys(1, 1, 1, READ).flags(READONLY), StringCommands::longestCommonSubsequence);
        commands.keyspace(command("incrbyfloat", 3, "string", "Adds a float to the value of a key, 0 when absent.")
                .since("2.6.0").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM, FAST),
                StringCommands::incrementByFloat);
        // Hashes.
        commands.keyspace(command("hincrbyfloat", 4, "hash", "Adds a float to the value of a hash field, 0 when "
                + "absent.").since("2.6.0").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM, FAST),
                HashCommands::hashIncrementByFloat);
        commands.keyspace(command("hmset", -4, "hash", "Sets fields of a hash (old form of HSET, answers OK).")
                .since("2.0.0").keys(1, 1, 1, UPDATE).flags(WRITE, DENYOOM, FAST), HashCommands::hashSetMany);
        commands.keyspace(command("hvals", 2, "hash", "Returns every value of a hash.")
                .since("2.0.0").keys(1, 1, 1, READ).flags(READONLY), HashCommands::hashValues);
        commands.keyspace(command("hstrlen", 3, "hash", "Returns the length of a hash field's value.")
                .since("3.2.0").keys(1, 1, 1, "RO").flags(READONLY, FAST), HashCommands::hashStringLength);
        commands.keyspace(command("hrandfield", -2, "hash", "Returns random fields of a hash.")
                .since("6.2.0").keys(1, 1, 1, READ).flags(READONLY), HashCommands::hashRandomField);
        commands.keyspace(command("hscan", -3, "hash", "Iterates over the fields and values of a hash.")
                .since("2.8.0").keys(1, 1, 1, READ).flags(READONLY), HashCommands::hashScan);
        // Sets.
        commands.keyspace(command("spop", -2, "set", "Removes and returns random members of a set.")
                .keys(1, 1, 1, READ_AND_DELETE).flags(WRITE, FAST), SetCommands::pop);
        commands.keyspace(command("srandmember", -2, "set", "Returns random members of a set.")
                .keys(1, 1, 1, READ).flags(READONLY), SetCommands::randomMember);
        commands.keyspace(command("smove", 4, "set", "Moves a member from one set to another.")
                .keys(1, 2, 1, READ_MODIFY_WRITE).flags(WRITE, FAST), SetCommands::move);
        commands.keyspace(command("sinter", -2, "set", "Returns the intersection of sets.")
                .keys(1, -1, 1, READ).flags(READONLY), SetCommands::intersection);
        commands.keyspace(command("sunion", -2, "set", "Returns the union of sets.")
                .keys(1, -1, 1, READ).flags(READONLY), SetCommands::union);
        commands.keyspace(command("sdiff", -2, "set", "Returns the difference of the first set and the others.")
                .keys(1, -1, 1, READ).flags(READONLY), SetCommands::difference);
        commands.keyspace(command("sinterstore", -3, "set", "Stores the intersection of sets in a key.")
                .keys(1, -1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM), SetCommands::intersectionStore);
        commands.keyspace(command("sunionstore", -3, "set", "Stores the union of sets in a key.")
                .keys(1, -1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM), SetCommands::unionStore);
        commands.keyspace(command("sdiffstore", -3, "set", "Stores the difference of sets in a key.")
                .keys(1, -1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM), SetCommands::differenceStore);
        commands.keyspace(command("sintercard", -3, "set", "Counts the members of the intersection of sets.")
                .since("7.0.0").flags(READONLY), SetCommands::intersectionCardinality);
        commands.keyspace(command("smismember", -3, "set", "Tells for each value whether it is a member of a set.")
                .since("6.2.0").keys(1, 1, 1, READ).flags(READONLY, FAST), SetCommands::containsEach);
        commands.keyspace(command("sscan", -3, "set", "Iterates over the members of a set.")
                .since("2.8.0").keys(1, 1, 1, READ).flags(READONLY), SetCommands::scan);
    }

    /** EVAL and its relatives, and SCRIPT: Lua scripts run as one unit on the local replica. */
    private static void declareScripting(Declarations commands) {
        io.calmdb.server.resp.CommandFlag noScript = io.calmdb.server.resp.CommandFlag.NOSCRIPT;
        commands.node(command("eval", -3, "scripting", "Executes a server-side Lua script as one unit.")
                .since("2.6.0").flags(noScript, STALE), ScriptCommands::eval);
        commands.node(command("evalsha", -3, "scripting", "Executes a cached server-side Lua script as one unit.")
                .since("2.6.0").flags(noScript, STALE), ScriptCommands::eval);
        commands.node(command("eval_ro", -3, "scripting", "Executes a read-only server-side Lua script.")
                .since("7.0.0").flags(noScript, STALE, READONLY), ScriptCommands::eval);
        commands.node(command("evalsha_ro", -3, "scripting", "Executes a cached read-only server-side Lua script.")
                .since("7.0.0").flags(noScript, STALE, READONLY), ScriptCommands::eval);
        commands.node(command("script", -2, "scripting", "SCRIPT LOAD, EXISTS and FLUSH: the Lua script cache.")
                .since("2.6.0").flags(noScript), ScriptCommands::script);
    }

    /** QUORUM (issue 8): a read command answered from R regions merged; handler in {@link QuorumCommands}. */
    private static void declareQuorum(Declarations commands) {
        commands.node(command("quorum", -4, "generic", "Runs a read command after merging its keys from R regions "
                + "(QUORUM R n [TIMEOUT ms] command ...).").since("0.1.0")
                // NOSCRIPT: a script runs in one keyspace turn and cannot wait for other regions.
                .flags(io.calmdb.server.resp.CommandFlag.NOSCRIPT, READONLY, STALE),
                QuorumCommands::quorum);
    }

    /** WATCH and UNWATCH; MULTI, EXEC and DISCARD belong to the front door, which queues the commands. */
    private static void declareTransactions(Declarations commands) {
        commands.node(command("watch", -2, "transactions", "Monitors changes to keys on this replica to determine "
                + "the execution of a transaction.").since("2.2.0").keys(1, -1, 1, "RO")
                // READONLY besides Redis's flags: this registry holds every command with keys to be read or write.
                .flags(io.calmdb.server.resp.CommandFlag.NOSCRIPT, READONLY, LOADING, STALE, FAST),
                TransactionCommands::watch);
        commands.node(command("unwatch", 1, "transactions", "Forgets about watched keys of a transaction.")
                .since("2.2.0").flags(io.calmdb.server.resp.CommandFlag.NOSCRIPT, LOADING, STALE, FAST),
                TransactionCommands::unwatch);
    }

    /** Claims, uniqueness by allocation (issue 8); handlers in {@link ClaimCommands}. SETNX and relatives above. */
    private static void declareClaims(Declarations commands) {
        commands.node(command("claim", -4, "claims", "CLAIM ns name owner [TIMEOUT ms] [LEASE ms]: asks the name's "
                + "authority region for the name.").flags(WRITE, DENYOOM), ClaimCommands::claim);
        commands.node(command("claim.status", 2, "claims", "CLAIM.STATUS id: the outcome of a claim this region "
                + "issued.").flags(READONLY, FAST), ClaimCommands::status);
        commands.node(command("claim.owner", 3, "claims", "CLAIM.OWNER ns name: the owner by this region's "
                + "replicated facts.").flags(READONLY, FAST), ClaimCommands::owner);
        commands.node(command("claim.authority", 3, "claims", "CLAIM.AUTHORITY ns name: the region that decides the "
                + "name, and the epoch.").flags(READONLY, FAST), ClaimCommands::authority);
        commands.node(command("claim.release", -4, "claims", "CLAIM.RELEASE ns name owner [TIMEOUT ms]: the owner "
                + "gives the name up.").flags(WRITE), ClaimCommands::release);
    }

    /** Pub/sub across regions (issue 9, item 4); handlers in {@link PubSubCommands}. */
    private static void declarePubSub(Declarations commands) {
        io.calmdb.server.resp.CommandFlag pubsub = io.calmdb.server.resp.CommandFlag.PUBSUB;
        io.calmdb.server.resp.CommandFlag noScript = io.calmdb.server.resp.CommandFlag.NOSCRIPT;
        commands.node(command("publish", 3, "pubsub", "Posts a message to a channel, in every region; answers the "
                + "subscribers it reached on this node.").since("2.0.0").flags(pubsub, LOADING, STALE, FAST),
                PubSubCommands::publish);
        commands.node(command("subscribe", -2, "pubsub", "Listens for messages published to channels.")
                .since("2.0.0").flags(pubsub, noScript, LOADING, STALE), PubSubCommands::subscribe);
        commands.node(command("psubscribe", -2, "pubsub", "Listens for messages published to channels that match "
                + "patterns.").since("2.0.0").flags(pubsub, noScript, LOADING, STALE), PubSubCommands::psubscribe);
        commands.node(command("unsubscribe", -1, "pubsub", "Stops listening to messages posted to channels.")
                .since("2.0.0").flags(pubsub, noScript, LOADING, STALE), PubSubCommands::unsubscribe);
        commands.node(command("punsubscribe", -1, "pubsub", "Stops listening to messages published to channels "
                + "that match patterns.").since("2.0.0").flags(pubsub, noScript, LOADING, STALE),
                PubSubCommands::punsubscribe);
        commands.node(command("pubsub", -2, "pubsub", "PUBSUB CHANNELS, NUMSUB, NUMPAT: inspects this node's "
                + "subscriptions.").since("2.8.0"), PubSubCommands::pubsub);
    }

    /** TIME and CONFIG (issue 9, item 5); handlers in {@link ServerCommands}. */
    private static void declareServer(Declarations commands) {
        commands.node(command("time", 1, "server", "Returns the server time.").since("2.6.0")
                .flags(LOADING, STALE, FAST), ServerCommands::time);
        commands.node(command("config", -2, "server", "CONFIG GET, SET, RESETSTAT: the node's settings and "
                + "statistics.").since("2.0.0").flags(ADMIN, io.calmdb.server.resp.CommandFlag.NOSCRIPT, LOADING,
                STALE), ServerCommands::config);
    }

    /** Generated IDs and bounded counters (issue 8); handlers in {@link CoordinationCommands}. */
    private static void declareEscrow(Declarations commands) {
        commands.keyspace(command("id.next", 2, "coordination", "Returns an ID unique across regions (time, region, "
                + "sequence), without coordination.").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, FAST),
                CoordinationCommands::idNext);
        commands.keyspace(command("id.batch", 3, "coordination", "Leases a contiguous range of IDs to this region.")
                .keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, FAST), CoordinationCommands::idBatch);
        commands.keyspace(command("bc.init", -3, "coordination", "Creates a bounded counter with a value and a "
                + "floor (MIN, default 0).").keys(1, 1, 1, INSERT).flags(WRITE, DENYOOM, FAST),
                CoordinationCommands::init);
        commands.keyspace(command("bc.incrby", 3, "coordination", "Adds to a bounded counter; this region gains "
                + "the rights.").keys(1, 1, 1, READ_MODIFY_WRITE).flags(WRITE, DENYOOM, FAST),
                CoordinationCommands::incrementBy);
        commands.node(command("bc.decrby", -3, "coordination", "Subtracts from a bounded counter within this "
                + "region's rights, asking peers for rights beyond them.").keys(1, 1, 1, READ_MODIFY_WRITE)
                // NOSCRIPT: it may wait for peers, and a script cannot wait.
                .flags(WRITE, FAST, io.calmdb.server.resp.CommandFlag.NOSCRIPT), CoordinationCommands::decrementBy);
        commands.keyspace(command("bc.get", 2, "coordination", "Returns a bounded counter's value as this region "
                + "sees it.").keys(1, 1, 1, READ).flags(READONLY, FAST), CoordinationCommands::get);
        commands.keyspace(command("bc.rights", 2, "coordination", "Returns the rights each region holds on a "
                + "bounded counter.").keys(1, 1, 1, READ).flags(READONLY, FAST), CoordinationCommands::rights);
    }

    private static CommandSpec.Builder command(String name, int arity, String group, String summary) {
        return CommandSpec.builder(name, arity).group(group).summary(summary);
    }

    /** Collects declarations and refuses a name declared twice. */
    private static final class Declarations {
        private final Map<String, Entry> byName = new LinkedHashMap<>();

        void keyspace(CommandSpec.Builder spec, KeyspaceHandler handler) {
            Objects.requireNonNull(handler, "handler");
            // No command may name a reserved key (claim facts): every keyspace command is refused one, in one place.
            KeyspaceHandler guarded = (keyspace, commits, now, command) -> {
                ClaimCommands.refuseReservedKeys(command);
                return handler.run(keyspace, commits, now, command);
            };
            add(new Entry(spec.build(), guarded, null));
        }

        void node(CommandSpec.Builder spec, NodeHandler handler) {
            add(new Entry(spec.build(), null, Objects.requireNonNull(handler, "handler")));
        }

        private void add(Entry entry) {
            if (byName.putIfAbsent(entry.spec().name(), entry) != null) {
                throw new IllegalStateException("command '" + entry.spec().name() + "' is declared twice");
            }
        }
    }
}
