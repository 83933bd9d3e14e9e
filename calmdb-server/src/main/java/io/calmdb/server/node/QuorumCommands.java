package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.CommandFlag;
import io.calmdb.server.resp.CommandSpec;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.Reply;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code QUORUM R n [TIMEOUT ms] <read command ...>} (issue 8): reads the keys of a read command from n regions,
 * this one included, merges what they hold into the local replica (repairing it, and the answering regions that
 * lagged), then runs the read command on the local replica, so its reply has exactly the usual format. When fewer
 * than n regions answer within the timeout ({@link CalmNode#QUORUM_TIMEOUT_MILLIS_DEFAULT} unless given), the reply
 * is an error starting {@code QUORUM} that says how many did, never a local read. The protocol is the replica
 * core's ({@code ReplicaCore.quorumRead}); this class only parses and dispatches.
 */
final class QuorumCommands {
    private QuorumCommands() {}

    /** The reply to an R below 1. */
    static final String R_TOO_SMALL = "ERR QUORUM R must be at least 1 (this region counts as one answer)";

    /** The reply to an R above the cluster size N. */
    static String rTooLarge(long replicas, int clusterSize) {
        return "ERR QUORUM R " + replicas + " exceeds the cluster size " + clusterSize + " (N regions, this one "
                + "included)";
    }

    static CompletionStage<Reply> quorum(CalmNode node, Connection connection, Command command) {
        if (command.argumentCount() < 4 || !command.argumentString(1).equalsIgnoreCase("R")) {
            return reply(Reply.error("ERR syntax: QUORUM R n [TIMEOUT ms] <read command> [arguments ...]"));
        }
        long replicas;
        try {
            replicas = command.argumentLong(2);
        } catch (NumberFormatException e) {
            return reply(Reply.error(CommandErrors.NOT_AN_INTEGER));
        }
        if (replicas < 1) {
            return reply(Reply.error(R_TOO_SMALL));
        }
        if (replicas > node.clusterSize()) {
            return reply(Reply.error(rTooLarge(replicas, node.clusterSize())));
        }
        int inner = 3;
        long timeoutMillis = CalmNode.QUORUM_TIMEOUT_MILLIS_DEFAULT;
        if (command.argumentString(inner).equalsIgnoreCase("TIMEOUT")) {
            if (command.argumentCount() < inner + 3) {
                return reply(Reply.error("ERR syntax: QUORUM R n [TIMEOUT ms] <read command> [arguments ...]"));
            }
            try {
                timeoutMillis = command.argumentLong(inner + 1);
            } catch (NumberFormatException e) {
                return reply(Reply.error(CommandErrors.NOT_AN_INTEGER));
            }
            if (timeoutMillis <= 0) {
                return reply(Reply.error("ERR QUORUM TIMEOUT must be a positive number of milliseconds"));
            }
            inner += 2;
        }
        String name = command.argumentString(inner).toLowerCase(Locale.ROOT);
        CommandRegistry.Entry entry = CommandRegistry.standard().find(name);
        if (entry == null) {
            return reply(Reply.error("ERR QUORUM: unknown command '" + command.argumentString(inner) + "'"));
        }
        CommandSpec spec = entry.spec();
        if (entry.keyspaceHandler() == null || !spec.flags().contains(CommandFlag.READONLY)) {
            return reply(Reply.error("ERR QUORUM wraps read commands only, and '" + name + "' is not one (after a "
                    + "write, WAIT counts the regions that acknowledged it)"));
        }
        byte[][] arguments = new byte[command.argumentCount() - inner][];
        for (int i = 0; i < arguments.length; i++) {
            arguments[i] = command.argument(inner + i);
        }
        if (!spec.acceptsArgumentCount(arguments.length)) {
            return reply(Reply.error(CommandErrors.wrongArity(name)));
        }
        if (!spec.hasKeys()) {
            return reply(Reply.error("ERR QUORUM reads the keys a command names, and '" + name + "' names none"));
        }
        Command read = Command.of(spec, arguments);
        List<Bytes> keys = keys(spec, arguments);
        if (keys.size() > CalmNode.QUORUM_KEYS_MAX) {
            return reply(Reply.error("ERR QUORUM reads at most " + CalmNode.QUORUM_KEYS_MAX + " keys (QUORUM_KEYS_MAX), "
                    + "got " + keys.size()));
        }
        return node.quorumRead(keys, (int) replicas, timeoutMillis).thenCompose(outcome -> outcome.succeeded()
                ? KeyspaceCommands.run(node, connection, read, entry.keyspaceHandler())
                : reply(Reply.error(outcome.error())));
    }

    /** The distinct keys at the spec's key positions (a negative last position counts from the end). */
    static List<Bytes> keys(CommandSpec spec, byte[][] arguments) {
        int last = spec.lastKey() < 0 ? arguments.length + spec.lastKey() : Math.min(spec.lastKey(),
                arguments.length - 1);
        LinkedHashSet<Bytes> keys = new LinkedHashSet<>();
        for (int i = spec.firstKey(); i <= last; i += spec.keyStep()) {
            keys.add(Bytes.copyOf(arguments[i]));
        }
        return new ArrayList<>(keys);
    }

    private static CompletionStage<Reply> reply(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
