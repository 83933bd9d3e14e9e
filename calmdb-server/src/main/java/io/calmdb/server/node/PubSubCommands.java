package io.calmdb.server.node;

import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.PubSubHub;
import io.calmdb.server.resp.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code PUBLISH}, {@code SUBSCRIBE}, {@code PSUBSCRIBE}, {@code UNSUBSCRIBE}, {@code PUNSUBSCRIBE} and
 * {@code PUBSUB} (issue 9): subscriptions live in the front door's {@link PubSubHub}; a message published here
 * reaches this node's subscribers at once and every other region's through the replica core, best effort, at most
 * once and in this node's publishing order. Nothing is stored.
 */
final class PubSubCommands {
    private PubSubCommands() {}

    static CompletionStage<Reply> publish(CalmNode node, Connection connection, Command command) {
        return done(node.publish(command.argument(1), command.argument(2)));
    }

    static CompletionStage<Reply> subscribe(CalmNode node, Connection connection, Command command) {
        return done(node.pubSub().subscribe(connection, rest(command, 1)));
    }

    static CompletionStage<Reply> psubscribe(CalmNode node, Connection connection, Command command) {
        return done(node.pubSub().psubscribe(connection, rest(command, 1)));
    }

    static CompletionStage<Reply> unsubscribe(CalmNode node, Connection connection, Command command) {
        return done(node.pubSub().unsubscribe(connection, rest(command, 1)));
    }

    static CompletionStage<Reply> punsubscribe(CalmNode node, Connection connection, Command command) {
        return done(node.pubSub().punsubscribe(connection, rest(command, 1)));
    }

    /** {@code PUBSUB CHANNELS [pattern] | NUMSUB [channel...] | NUMPAT | HELP}, counting this node's subscribers. */
    static CompletionStage<Reply> pubsub(CalmNode node, Connection connection, Command command) {
        PubSubHub hub = node.pubSub();
        String subcommand = command.argumentString(1).toLowerCase(Locale.ROOT);
        int count = command.argumentCount();
        return done(switch (subcommand) {
            case "channels" -> {
                if (count > 3) {
                    yield Reply.error(CommandErrors.wrongArity("pubsub|channels"));
                }
                List<Reply> names = new ArrayList<>();
                hub.activeChannels(count == 3 ? command.argument(2) : null).forEach(name -> names.add(Reply.bulk(name)));
                yield Reply.array(names);
            }
            case "numsub" -> {
                List<Reply> pairs = new ArrayList<>();
                for (int i = 2; i < count; i++) {
                    pairs.add(Reply.bulk(command.argument(i)));
                    pairs.add(Reply.integer(hub.subscriberCount(command.argument(i))));
                }
                yield Reply.array(pairs);
            }
            case "numpat" -> count == 2 ? Reply.integer(hub.patternCount())
                    : Reply.error(CommandErrors.wrongArity("pubsub|numpat"));
            case "help" -> Reply.array(List.of(
                    Reply.simple("PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
                    Reply.simple("CHANNELS [<pattern>]"),
                    Reply.simple("    Return the currently active channels matching a <pattern> (default: '*')."),
                    Reply.simple("NUMPAT"),
                    Reply.simple("    Return number of subscriptions to patterns."),
                    Reply.simple("NUMSUB [<channel> ...]"),
                    Reply.simple("    Return the number of subscribers for the specified channels, excluding"),
                    Reply.simple("    pattern subscriptions(default: no channels)."),
                    Reply.simple("HELP"),
                    Reply.simple("    Print this help.")));
            default -> Reply.error(CommandErrors.unknownSubcommand(command.argumentString(1), "pubsub"));
        });
    }

    private static List<byte[]> rest(Command command, int from) {
        List<byte[]> names = new ArrayList<>();
        for (int i = from; i < command.argumentCount(); i++) {
            names.add(command.argument(i));
        }
        return names;
    }

    private static CompletionStage<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
