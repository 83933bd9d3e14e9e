package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The node's side of {@code MULTI}/{@code EXEC} and {@code WATCH}/{@code UNWATCH} (the front door queues the commands;
 * see {@code TransactionQueue}). {@code EXEC} runs every queued command in one keyspace task through
 * {@link CalmNode#applyAtomically}: nothing else runs on the local replica between them, and their writes replicate as
 * one delta, so a peer shows the whole transaction or none of it.
 *
 * <p>{@code WATCH} guards the keys on this replica: a local write or a replicated delta that touches a watched key
 * between {@code WATCH} and {@code EXEC} makes {@code EXEC} answer a nil array and run nothing. It cannot see a
 * concurrent write in another region that has not arrived yet; an invariant that needs that uses {@code CLAIM} or a
 * quorum (see docs/resp.md).
 *
 * <p>Node commands queued in a transaction run as Redis runs them there: {@code WAIT} answers at once how many peers
 * acknowledged the connection's writes so far (it never blocks inside {@code EXEC}); {@code INFO} and {@code CLUSTER}
 * run in their place and answer as outside a transaction.
 */
final class TransactionCommands {
    private TransactionCommands() {}

    /** {@code WATCH key...}: records each key's change marker on this connection. */
    static CompletionStage<Reply> watch(CalmNode node, Connection connection, Command command) {
        List<Bytes> keys = new ArrayList<>();
        for (int i = 1; i < command.argumentCount(); i++) {
            keys.add(Bytes.copyOf(command.argument(i)));
        }
        return node.apply(connection, (keyspace, commits, now) -> {
            Map<Bytes, Long> watched = CalmNode.ConnectionState.of(connection).watched;
            for (Bytes key : keys) {
                if (!watched.containsKey(key)) {
                    watched.put(key, keyspace.watch(key));
                }
            }
            return Reply.ok();
        });
    }

    /** {@code UNWATCH}: forgets every watched key of the connection. */
    static CompletionStage<Reply> unwatch(CalmNode node, Connection connection, Command command) {
        return node.apply(connection, (keyspace, commits, now) -> {
            release(keyspace, CalmNode.ConnectionState.of(connection));
            return Reply.ok();
        });
    }

    /**
     * Forgets a connection's watched keys when it closes, resets or ends a transaction. The state is taken now, on the
     * connection's thread, because {@code RESET} clears the attachment right after.
     */
    static void unwatchAll(CalmNode node, Connection connection) {
        if (connection.attachment() instanceof CalmNode.ConnectionState state) {
            node.runOnKeyspace(keyspace -> release(keyspace, state));
        }
    }

    private static void release(Keyspace keyspace, CalmNode.ConnectionState state) {
        for (Bytes key : state.watched.keySet()) {
            keyspace.unwatch(key);
        }
        state.watched.clear();
    }

    /** {@code EXEC}: the queued commands as one unit, or null when a watched key changed. */
    static CompletionStage<List<Reply>> execute(CalmNode node, CommandRegistry registry, Connection connection,
                                                List<Command> commands) {
        CompletableFuture<List<Object>> ran = node.applyAtomically(connection, (keyspace, commits, now) -> {
            CalmNode.ConnectionState state = CalmNode.ConnectionState.of(connection);
            boolean changed = false;
            for (Map.Entry<Bytes, Long> watched : state.watched.entrySet()) {
                changed |= keyspace.changedSince(watched.getKey(), watched.getValue());
            }
            release(keyspace, state);
            if (changed) {
                return null;
            }
            List<Object> replies = new ArrayList<>(commands.size());
            for (Command command : commands) {
                replies.add(runQueued(node, registry, connection, keyspace, commits, now, command));
            }
            return replies;
        });
        return ran.thenCompose(replies -> {
            if (replies == null) {
                return CompletableFuture.completedFuture(null);
            }
            // A node command (INFO) may answer after the unit: its stage is awaited here, in its place.
            List<CompletableFuture<Reply>> stages = new ArrayList<>();
            for (Object reply : replies) {
                stages.add(reply instanceof Reply done ? CompletableFuture.completedFuture(done)
                        : ((CompletionStage<Reply>) reply).toCompletableFuture());
            }
            return CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new))
                    .thenApply(ignored -> stages.stream().map(CompletableFuture::join).toList());
        });
    }

    /** One queued command, inside the unit's keyspace task: a Reply, or a stage for a node command. */
    private static Object runQueued(CalmNode node, CommandRegistry registry, Connection connection, Keyspace keyspace,
                                    KeyspaceTask.Commits commits, long now, Command command) {
        CommandRegistry.Entry entry = registry.find(command.name());
        if (entry == null) {
            throw new IllegalStateException("a transaction queued '" + command.name() + "', which is not declared");
        }
        if (command.name().equals("wait")) {
            return Reply.integer(node.peersAcknowledgingNow(connection));
        }
        if (ScriptCommands.SCRIPT_COMMANDS.contains(command.name())) {
            return ScriptCommands.evalInUnit(node, ScriptCommands.caller(node, connection), keyspace, commits, now,
                    command);
        }
        if (entry.nodeHandler() != null) {
            return entry.nodeHandler().run(node, connection, command);
        }
        return runKeyspaceCommand(entry.keyspaceHandler(), keyspace, commits, now, command);
    }

    /**
     * Runs one keyspace command inside a unit that is already on the keyspace thread (a transaction, a script): a
     * refusal is the command's error reply, and the unit goes on.
     */
    static Reply runKeyspaceCommand(CommandRegistry.KeyspaceHandler handler, Keyspace keyspace,
                                    KeyspaceTask.Commits commits, long now, Command command) {
        try {
            return handler.run(keyspace, commits, now, command);
        } catch (KeyspaceException refused) {
            return Reply.error(refused.getMessage());
        }
    }
}
