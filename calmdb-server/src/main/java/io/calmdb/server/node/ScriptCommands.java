package io.calmdb.server.node;

import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.server.resp.AccessControl;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.CommandFlag;
import io.calmdb.server.resp.CommandSpec;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code EVAL}, {@code EVALSHA}, {@code EVAL_RO}, {@code EVALSHA_RO} and {@code SCRIPT LOAD|EXISTS|FLUSH}. A script
 * runs on the keyspace thread inside one unit ({@link CalmNode#applyAtomically}): nothing else runs on the local
 * replica while it does, and the writes of the commands it calls are joined into one delta, logged and broadcast once.
 * What replicates is that delta, never the script, so every region applies the script's effects exactly as they
 * happened here, with no need for the script to be deterministic.
 *
 * <p>{@code redis.call} runs the node's keyspace commands directly in the script's unit. Commands that wait for other
 * regions or administer the node ({@code WAIT}, {@code CLUSTER}, {@code MULTI}, {@code EVAL}, {@code WATCH} and the
 * other {@code noscript} commands) are refused with Redis's "This Redis command is not allowed from script"; a
 * read-only script ({@code EVAL_RO}) calling a write command gets Redis's refusal. {@code INFO} is allowed.
 */
final class ScriptCommands {
    static final String NOT_ALLOWED = "ERR This Redis command is not allowed from script";
    static final String UNKNOWN = "ERR Unknown Redis command called from script";
    static final String WRONG_ARITY = "ERR Wrong number of args calling Redis command from script";
    static final String WRITE_FROM_READ_ONLY = "ERR Write commands are not allowed from read-only scripts.";
    /** The script commands, which a transaction runs inside its own unit instead of as a unit of their own. */
    static final Set<String> SCRIPT_COMMANDS = Set.of("eval", "evalsha", "eval_ro", "evalsha_ro");
    /** Node commands a script may not call beyond those flagged noscript: they wait or administer. */
    private static final Set<String> REFUSED_NODE_COMMANDS = Set.of("wait", "cluster");

    private ScriptCommands() {}

    /** The node handler of the four EVAL commands: the script in a unit of its own. */
    static CompletionStage<Reply> eval(CalmNode node, Connection connection, Command command) {
        AccessControl.User caller = caller(node, connection);
        return KeyspaceCommands.run(node, connection, command,
                (keyspace, commits, now, cmd) -> evalInUnit(node, caller, keyspace, commits, now, cmd), true);
    }

    /** The user whose permissions a script's calls are checked against, or null before authentication. */
    static AccessControl.User caller(CalmNode node, Connection connection) {
        if (connection == null || connection.user() == null) {
            return null;
        }
        AccessControl.User user = node.accessControl().user(connection.user());
        return user;
    }

    /** Runs an EVAL command inside a unit already on the keyspace thread (its own, or a transaction's). */
    static Reply evalInUnit(CalmNode node, AccessControl.User caller, Keyspace keyspace, KeyspaceTask.Commits commits,
                            long now, Command command) {
        String name = command.name();
        boolean bySha = name.startsWith("evalsha");
        boolean readOnly = name.endsWith("_ro");
        long keyCount;
        try {
            keyCount = command.argumentLong(2);
        } catch (NumberFormatException e) {
            return Reply.error(CommandErrors.NOT_AN_INTEGER);
        }
        if (keyCount < 0) {
            return Reply.error("ERR Number of keys can't be negative");
        }
        if (keyCount > command.argumentCount() - 3) {
            return Reply.error("ERR Number of keys can't be greater than number of args");
        }
        LuaScripting scripting = node.scripting();
        String sha;
        if (bySha) {
            sha = command.argumentString(1).toLowerCase(Locale.ROOT);
            if (!scripting.exists(sha)) {
                return Reply.error(LuaScripting.NO_SCRIPT);
            }
        } else {
            try {
                sha = scripting.load(command.argument(1));
            } catch (LuaScripting.ScriptException refused) {
                return Reply.error(refused.getMessage());
            }
        }
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> arguments = new ArrayList<>();
        for (int i = 3; i < command.argumentCount(); i++) {
            (i < 3 + keyCount ? keys : arguments).add(command.argument(i));
        }
        return scripting.run(sha, keys, arguments,
                argv -> callFromScript(node, caller, keyspace, commits, now, argv, readOnly));
    }

    /**
     * One {@code redis.call}: Redis's checks (the caller's ACL permissions for the command and its keys among them),
     * then the command in the script's unit.
     */
    private static Reply callFromScript(CalmNode node, AccessControl.User caller, Keyspace keyspace,
                                        KeyspaceTask.Commits commits, long now, byte[][] argv, boolean readOnly) {
        String name = new String(argv[0], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        CommandRegistry.Entry entry = CommandRegistry.standard().find(name);
        if (entry == null) {
            return frontDoorCommand(name, argv);
        }
        CommandSpec spec = entry.spec();
        if (spec.flags().contains(CommandFlag.NOSCRIPT) || REFUSED_NODE_COMMANDS.contains(name)
                || SCRIPT_COMMANDS.contains(name)) {
            return Reply.error(NOT_ALLOWED);
        }
        if (!spec.acceptsArgumentCount(argv.length)) {
            return Reply.error(WRONG_ARITY);
        }
        if (readOnly && spec.flags().contains(CommandFlag.WRITE)) {
            return Reply.error(WRITE_FROM_READ_ONLY);
        }
        AccessControl.Denial denial = caller == null ? null : caller.denial(spec, argv);
        if (denial != null) {
            return Reply.error(switch (denial) {
                case COMMAND -> "ERR The user executing the script can't run this command or subcommand";
                case KEY -> "ERR The user executing the script can't access at least one of the keys mentioned in the "
                        + "command arguments";
                case CHANNEL -> "ERR The user executing the script can't publish to the channel mentioned in the command";
            });
        }
        Command command = Command.of(spec, argv);
        if (entry.nodeHandler() != null) {
            CompletableFuture<Reply> answer = entry.nodeHandler().run(node, null, command).toCompletableFuture();
            // A node command a script may call answers at once on the keyspace thread (INFO, the refusals of SETNX).
            return answer.isDone() ? answer.join() : Reply.error(NOT_ALLOWED);
        }
        return TransactionCommands.runKeyspaceCommand(entry.keyspaceHandler(), keyspace, commits, now, command);
    }

    /**
     * A command the front door answers (it is not in the registry): {@code PING} and {@code ECHO} work in scripts as in
     * Redis; the connection and transaction commands are refused as Redis refuses them.
     */
    private static Reply frontDoorCommand(String name, byte[][] argv) {
        switch (name) {
            case "ping" -> {
                if (argv.length > 2) {
                    return Reply.error(WRONG_ARITY);
                }
                return argv.length == 2 ? Reply.bulk(argv[1]) : Reply.simple("PONG");
            }
            case "echo" -> {
                return argv.length == 2 ? Reply.bulk(argv[1]) : Reply.error(WRONG_ARITY);
            }
            case "multi", "exec", "discard", "quit", "reset", "hello", "client", "select", "command" -> {
                return Reply.error(NOT_ALLOWED);
            }
            default -> {
                return Reply.error(UNKNOWN);
            }
        }
    }

    /** {@code SCRIPT LOAD body}, {@code SCRIPT EXISTS sha...}, {@code SCRIPT FLUSH [ASYNC|SYNC]}. */
    static CompletionStage<Reply> script(CalmNode node, Connection connection, Command command) {
        String sub = command.argumentString(1).toLowerCase(Locale.ROOT);
        return node.apply(connection, (keyspace, commits, now) -> {
            LuaScripting scripting = node.scripting();
            switch (sub) {
                case "load" -> {
                    if (command.argumentCount() != 3) {
                        return Reply.error(CommandErrors.wrongArity("script|load"));
                    }
                    try {
                        return Reply.bulk(scripting.load(command.argument(2)));
                    } catch (LuaScripting.ScriptException refused) {
                        return Reply.error(refused.getMessage());
                    }
                }
                case "exists" -> {
                    if (command.argumentCount() < 3) {
                        return Reply.error(CommandErrors.wrongArity("script|exists"));
                    }
                    List<Reply> found = new ArrayList<>();
                    for (int i = 2; i < command.argumentCount(); i++) {
                        found.add(Reply.integer(scripting.exists(command.argumentString(i)) ? 1 : 0));
                    }
                    return Reply.array(found);
                }
                case "flush" -> {
                    if (command.argumentCount() > 3 || (command.argumentCount() == 3 && !Arrays.asList("async", "sync")
                            .contains(command.argumentString(2).toLowerCase(Locale.ROOT)))) {
                        return Reply.error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
                    }
                    scripting.flush();
                    return Reply.ok();
                }
                case "kill" -> {
                    // A script runs inside one keyspace task and is stopped by its own bounds, never from outside.
                    return Reply.error("NOTBUSY No scripts in execution right now.");
                }
                default -> {
                    return Reply.error(CommandErrors.unknownSubcommand(command.argumentString(1), "SCRIPT"));
                }
            }
        });
    }
}
