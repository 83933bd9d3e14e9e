package io.calmdb.server.node;

import io.calmdb.replication.keyspace.GlobPattern;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.PubSubHub;
import io.calmdb.server.resp.Reply;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * {@code TIME} and {@code CONFIG GET|SET|RESETSTAT|HELP} (issue 9), with Redis 7.0's replies and wording.
 *
 * <p>{@code CONFIG} knows the node's documented settings (see docs/deployment.md) under Redis's names where Redis
 * has one ({@code appendfsync}, {@code port}, {@code proto-max-bulk-len}, ...) and under CalmDB's own otherwise
 * ({@code keyspace-queue-tasks-max}, ...). A setting read from the configuration file at start is immutable, as
 * Redis's {@code port} or {@code databases} would be in a deployment that cannot re-bind; the script time limit
 * ({@code busy-reply-threshold}, alias {@code lua-time-limit}) can be set at run time. An unknown name answers as
 * Redis 7.0 does: {@code CONFIG GET} gives an empty map, {@code CONFIG SET} an error naming it.
 */
final class ServerCommands {
    private ServerCommands() {}

    /** One setting: its value now, and how to set it (null: immutable). */
    private record Parameter(String name, Function<CalmNode, String> value, Setter setter) {}

    /** Checks a new value (the error's detail, or null) and applies it; applying must not fail once checked. */
    private interface Setter {
        String check(String value);

        void apply(CalmNode node, String value);
    }

    private static final Setter SCRIPT_TIME_LIMIT = new Setter() {
        @Override
        public String check(String value) {
            long millis;
            try {
                millis = Long.parseLong(value);
            } catch (NumberFormatException notAnInteger) {
                return "argument couldn't be parsed into an integer";
            }
            return millis < 1 ? "argument must be between 1 and 9223372036854775807 inclusive" : null;
        }

        @Override
        public void apply(CalmNode node, String value) {
            node.scripting().timeLimitMillis(Long.parseLong(value));
        }
    };

    private static final Map<String, Parameter> PARAMETERS = parameters(
            immutable("appendfsync", node -> node.config().fsync().configName()),
            immutable("appendonly", node -> "yes"),
            immutable("bind", node -> node.config().resp().host()),
            immutable("port", node -> Integer.toString(node.respPort())),
            immutable("dir", node -> node.config().dataDirectory().toString()),
            immutable("databases", node -> "1"),
            immutable("save", node -> ""),
            immutable("maxclients", node -> Integer.toString(node.respConfig().connectionsMax())),
            immutable("maxmemory", node -> "0"),
            immutable("maxmemory-policy", node -> "noeviction"),
            immutable("proto-max-bulk-len", node -> Integer.toString(node.config().limits().bulkBytesMax())),
            immutable("client-output-buffer-limit", node -> "normal 0 0 0 slave 0 0 0 pubsub "
                    + PubSubHub.OUTPUT_BYTES_MAX_DEFAULT + " 0 0"),
            immutable("timeout", node -> "0"),
            new Parameter("requirepass", node -> node.respConfig().accessControl().requirepassDescription(),
                    new Setter() {
                        @Override
                        public String check(String value) {
                            return null;
                        }

                        @Override
                        public void apply(CalmNode node, String value) {
                            node.respConfig().accessControl().requirepass(value);
                        }
                    }),
            immutable("protected-mode", node -> node.respConfig().protectedMode() ? "yes" : "no"),
            immutable("aclfile", node -> node.config().security().aclFile() == null ? ""
                    : node.config().security().aclFile().toString()),
            new Parameter("busy-reply-threshold", node -> Long.toString(node.scripting().timeLimitMillis()),
                    SCRIPT_TIME_LIMIT),
            new Parameter("lua-time-limit", node -> Long.toString(node.scripting().timeLimitMillis()),
                    SCRIPT_TIME_LIMIT),
            immutable("cluster", node -> node.config().cluster()),
            immutable("replica", node -> node.config().replica().name()),
            immutable("replication-port", node -> Integer.toString(node.replicationPort())),
            immutable("keyspace-queue-tasks-max", node -> Integer.toString(node.config().limits().keyspaceQueueTasksMax())),
            immutable("checkpoint-interval-millis",
                    node -> Long.toString(node.config().limits().checkpointIntervalMillis())),
            immutable("anti-entropy-interval-millis",
                    node -> Long.toString(node.config().limits().antiEntropyIntervalMillis())));

    private static Parameter immutable(String name, Function<CalmNode, String> value) {
        return new Parameter(name, value, null);
    }

    private static Map<String, Parameter> parameters(Parameter... parameters) {
        Map<String, Parameter> byName = new LinkedHashMap<>();
        for (Parameter parameter : parameters) {
            if (byName.put(parameter.name(), parameter) != null) {
                throw new IllegalStateException("parameter '" + parameter.name() + "' is declared twice");
            }
        }
        return byName;
    }

    /** {@code TIME}: the Unix time in seconds and the microseconds within the second. */
    static CompletionStage<Reply> time(CalmNode node, Connection connection, Command command) {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        return done(Reply.array(Reply.bulk(Long.toString(micros / 1_000_000)),
                Reply.bulk(Long.toString(micros % 1_000_000))));
    }

    /** {@code CONFIG GET|SET|RESETSTAT|REWRITE|HELP}. */
    static CompletionStage<Reply> config(CalmNode node, Connection connection, Command command) {
        String subcommand = command.argumentString(1).toLowerCase(Locale.ROOT);
        int count = command.argumentCount();
        return switch (subcommand) {
            case "get" -> done(count < 3 ? Reply.error(CommandErrors.wrongArity("config|get")) : get(node, command));
            case "set" -> done(count < 4 ? Reply.error(CommandErrors.wrongArity("config|set")) : set(node, command));
            case "resetstat" -> count != 2 ? done(Reply.error(CommandErrors.wrongArity("config|resetstat")))
                    : node.resetStatistics().thenApply(ignored -> Reply.ok());
            case "rewrite" -> done(count != 2 ? Reply.error(CommandErrors.wrongArity("config|rewrite"))
                    : Reply.error("ERR CONFIG REWRITE is not supported: a CalmDB node reads its settings from the "
                            + "file given to --config, and only the script time limit changes at run time"));
            case "help" -> done(Reply.array(List.of(
                    Reply.simple("CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
                    Reply.simple("GET <pattern>"),
                    Reply.simple("    Return parameters matching the glob-like <pattern> and their values."),
                    Reply.simple("SET <directive> <value>"),
                    Reply.simple("    Set the configuration <directive> to <value>."),
                    Reply.simple("RESETSTAT"),
                    Reply.simple("    Reset statistics reported by the INFO command."),
                    Reply.simple("HELP"),
                    Reply.simple("    Print this help."))));
            default -> done(Reply.error(CommandErrors.unknownSubcommand(command.argumentString(1), "config")));
        };
    }

    /** Every parameter matching any of the patterns, each once, as a map (a flat array in RESP2). */
    private static Reply get(CalmNode node, Command command) {
        List<GlobPattern> patterns = new ArrayList<>();
        for (int i = 2; i < command.argumentCount(); i++) {
            patterns.add(GlobPattern.of(command.argument(i)));
        }
        List<Reply> pairs = new ArrayList<>();
        for (Parameter parameter : PARAMETERS.values()) {
            byte[] name = parameter.name().getBytes(StandardCharsets.US_ASCII);
            for (GlobPattern pattern : patterns) {
                if (pattern.matches(name)) {
                    pairs.add(Reply.bulk(parameter.name()));
                    pairs.add(Reply.bulk(parameter.value().apply(node)));
                    break;
                }
            }
        }
        return Reply.mapOfPairs(pairs);
    }

    /** Checks every name and value first, then applies them all, so a refused {@code CONFIG SET} changes nothing. */
    private static Reply set(CalmNode node, Command command) {
        if ((command.argumentCount() - 2) % 2 != 0) {
            return Reply.error(CommandErrors.SYNTAX);
        }
        Set<String> seen = new HashSet<>();
        List<Parameter> changing = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 2; i < command.argumentCount(); i += 2) {
            String given = command.argumentString(i);
            String name = given.toLowerCase(Locale.ROOT);
            Parameter parameter = PARAMETERS.get(name);
            if (parameter == null) {
                return Reply.error("ERR Unknown option or number of arguments for CONFIG SET - '" + given + "'");
            }
            String canonical = parameter.setter() == SCRIPT_TIME_LIMIT ? "busy-reply-threshold" : name;
            if (!seen.add(canonical)) {
                return failed(given, "duplicate parameter");
            }
            if (parameter.setter() == null) {
                return failed(given, "can't set immutable config");
            }
            String value = command.argumentString(i + 1);
            String problem = parameter.setter().check(value);
            if (problem != null) {
                return failed(given, problem);
            }
            changing.add(parameter);
            values.add(value);
        }
        for (int i = 0; i < changing.size(); i++) {
            changing.get(i).setter().apply(node, values.get(i));
        }
        return Reply.ok();
    }

    private static Reply failed(String name, String problem) {
        return Reply.error("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + problem);
    }

    private static CompletionStage<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }
}
