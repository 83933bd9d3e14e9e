package io.calmdb.server.resp;

import static io.calmdb.server.resp.CommandFlag.FAST;
import static io.calmdb.server.resp.CommandFlag.LOADING;
import static io.calmdb.server.resp.CommandFlag.NOSCRIPT;
import static io.calmdb.server.resp.CommandFlag.STALE;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The commands one connection queued between {@code MULTI} and {@code EXEC}, with Redis 7's rules for queueing: a
 * command the front door refuses at queue time (unknown, wrong number of arguments, over the queue's bounds) is
 * answered with its error at once and marks the transaction failed, so {@code EXEC} answers {@link #EXEC_ABORT} and
 * runs nothing; every other command is answered {@code +QUEUED}. {@code EXEC}, {@code DISCARD}, {@code MULTI},
 * {@code WATCH}, {@code QUIT} and {@code RESET} run at once even inside a transaction, as in Redis.
 *
 * <p>The queue lives in the front door because queue-time refusals happen there; running the queued data commands is
 * the handler's {@link CommandHandler#execute}, which runs them as one unit. Confined to the connection's event loop.
 */
final class TransactionQueue {
  /** The most commands one transaction may queue; the next one is refused and the transaction fails. */
  static final int QUEUED_COMMANDS_MAX = 100_000;
  /** The most argument bytes one transaction may queue, in bytes; past it the transaction fails. */
  static final long QUEUED_BYTES_MAX = 64L * 1024 * 1024;

  static final String EXEC_ABORT = "EXECABORT Transaction discarded because of previous errors.";
  static final String NESTED = "ERR MULTI calls can not be nested";
  static final String EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI";
  static final String DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI";
  static final String WATCH_INSIDE_MULTI = "ERR WATCH inside MULTI is not allowed";

  /** The transaction commands' specs, with Redis 7.0's flags; the front door runs them itself. */
  static final List<CommandSpec> SPECS = List.of(
      spec("multi", 1, "Starts a transaction.", NOSCRIPT, LOADING, STALE, FAST),
      spec("exec", 1, "Executes all commands in a transaction.", NOSCRIPT, LOADING, STALE),
      spec("discard", 1, "Discards a transaction.", NOSCRIPT, LOADING, STALE, FAST));

  /** Commands that run at once inside a transaction instead of being queued (lower-case). */
  private static final Set<String> RUN_AT_ONCE = Set.of("multi", "exec", "discard", "watch", "quit", "reset");
  private static final Set<String> CONTROL = Set.of("multi", "exec", "discard");

  /** One queued command; {@code connectionCommand} tells the front door runs it at EXEC, not the handler. */
  record Queued(CommandSpec spec, byte[][] arguments, boolean connectionCommand) {}

  private final List<Queued> queued = new ArrayList<>();
  private long queuedBytes;
  private boolean failed;

  private static CommandSpec spec(String name, int arity, String summary, CommandFlag... flags) {
    return CommandSpec.builder(name, arity).group("transactions").since(name.equals("discard") ? "2.0.0" : "1.2.0")
        .summary(summary).flags(flags).build();
  }

  static boolean isControl(String canonicalName) {
    return CONTROL.contains(canonicalName);
  }

  /** True when {@code name} (as the client typed it) runs at once inside a transaction rather than being queued. */
  static boolean runsAtOnce(byte[] name) {
    return name.length <= 7 && RUN_AT_ONCE.contains(new String(name, java.nio.charset.StandardCharsets.ISO_8859_1)
        .toLowerCase(java.util.Locale.ROOT));
  }

  /** Queues one command, or refuses it and fails the transaction; returns the reply to give now. */
  Reply queue(CommandTable table, byte[][] arguments) {
    CommandSpec spec = table.lookup(arguments[0]);
    if (spec == null) {
      failed = true;
      return Reply.error(CommandErrors.unknownCommand(arguments));
    }
    if (!spec.acceptsArgumentCount(arguments.length)) {
      failed = true;
      return Reply.error(CommandErrors.wrongArity(spec.name()));
    }
    long bytes = 0;
    for (byte[] argument : arguments) {
      bytes += argument.length;
    }
    if (queued.size() >= QUEUED_COMMANDS_MAX || queuedBytes + bytes > QUEUED_BYTES_MAX) {
      failed = true;
      return Reply.error("ERR a transaction queues at most " + QUEUED_COMMANDS_MAX + " commands and "
          + QUEUED_BYTES_MAX + " bytes of arguments (QUEUED_COMMANDS_MAX, QUEUED_BYTES_MAX)");
    }
    queuedBytes += bytes;
    queued.add(new Queued(spec, arguments, ConnectionCommands.isConnectionCommand(spec.name())));
    return Reply.simple("QUEUED");
  }

  /** Marks the transaction failed: a command was refused before it could be queued (NOAUTH, NOPERM). */
  void fail() {
    failed = true;
  }

  boolean failed() {
    return failed;
  }

  List<Queued> queued() {
    return queued;
  }
}
