package io.calmdb.server.resp;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What {@code INFO commandstats}, {@code INFO errorstats} and the byte counters of {@code INFO stats} report, counted
 * by the front door as Redis counts them: a command that ran is a call (with its time, and a failed call when it
 * answered an error); a command refused before it ran (wrong arity, not allowed while subscribed) is a rejected
 * call; every error reply counts under its code (the first word: {@code ERR}, {@code WRONGTYPE}).
 *
 * <p>Bounded: at most {@link #COMMAND_NAMES_MAX} command names and {@link #ERROR_CODES_MAX} error codes are kept
 * (Redis likewise stops tracking new error codes past 128); later ones are counted under {@link #OTHER}.
 * Thread-safe; every counter is a {@link LongAdder}, so counting costs no lock.
 */
public final class CommandStatistics {
  /** The most distinct command names counted; the table's commands and their subcommands fit well within it. */
  public static final int COMMAND_NAMES_MAX = 1024;
  /** The most distinct error codes counted, as Redis's {@code ERRORSTATS_LIMIT}. */
  public static final int ERROR_CODES_MAX = 128;
  /** The name counted for commands or error codes beyond the bounds. */
  public static final String OTHER = "other";

  /** One command's counters. */
  private static final class Counters {
    final LongAdder calls = new LongAdder();
    final LongAdder nanos = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder failed = new LongAdder();
  }

  private final ConcurrentHashMap<String, Counters> commands = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final LongAdder errorReplies = new LongAdder();
  private final LongAdder inputBytes = new LongAdder();
  private final LongAdder outputBytes = new LongAdder();

  CommandStatistics() {}

  /** A command ran and answered {@code reply} after {@code nanos}. */
  void called(String command, long nanos, Reply reply) {
    Counters counters = counters(command);
    counters.calls.increment();
    counters.nanos.add(Math.max(0, nanos));
    if (reply != null && reply.isError()) {
      counters.failed.increment();
      error(reply);
    }
  }

  /** A command was refused before it ran, with {@code error}. */
  void rejected(String command, Reply error) {
    counters(command).rejected.increment();
    error(error);
  }

  /** An error reply not tied to a known command (an unknown command, a protocol error). */
  void error(Reply error) {
    errorReplies.increment();
    String message = error instanceof RespReplies.ErrorReply reply ? reply.message() : "ERR";
    int space = message.indexOf(' ');
    String code = space < 0 ? message : message.substring(0, space);
    LongAdder count = errors.get(code);
    if (count == null) {
      count = errors.size() < ERROR_CODES_MAX ? errors.computeIfAbsent(code, ignored -> new LongAdder())
          : errors.computeIfAbsent(OTHER, ignored -> new LongAdder());
    }
    count.increment();
  }

  void input(long bytes) {
    inputBytes.add(bytes);
  }

  void output(long bytes) {
    outputBytes.add(bytes);
  }

  private Counters counters(String command) {
    Counters counters = commands.get(command);
    if (counters != null) {
      return counters;
    }
    return commands.size() < COMMAND_NAMES_MAX ? commands.computeIfAbsent(command, ignored -> new Counters())
        : commands.computeIfAbsent(OTHER, ignored -> new Counters());
  }

  /**
   * {@code INFO commandstats}: per command, in name order, Redis's line
   * {@code calls=N,usec=N,usec_per_call=N.NN,rejected_calls=N,failed_calls=N}, keyed {@code cmdstat_NAME}.
   */
  public Map<String, String> commandLines() {
    Map<String, String> lines = new TreeMap<>();
    commands.forEach((name, counters) -> {
      long calls = counters.calls.sum();
      long micros = counters.nanos.sum() / 1_000;
      long rejected = counters.rejected.sum();
      long failed = counters.failed.sum();
      if (calls + rejected == 0) {
        return;
      }
      lines.put("cmdstat_" + name, "calls=" + calls + ",usec=" + micros + ",usec_per_call="
          + String.format(java.util.Locale.ROOT, "%.2f", calls == 0 ? 0.0 : (double) micros / calls)
          + ",rejected_calls=" + rejected + ",failed_calls=" + failed);
    });
    return lines;
  }

  /** {@code INFO errorstats}: per error code, in name order, {@code count=N}, keyed {@code errorstat_CODE}. */
  public Map<String, String> errorLines() {
    Map<String, String> lines = new TreeMap<>();
    errors.forEach((code, count) -> {
      long value = count.sum();
      if (value > 0) {
        lines.put("errorstat_" + code, "count=" + value);
      }
    });
    return lines;
  }

  /** Every error reply since start or the last {@link #reset}: Redis's {@code total_error_replies}. */
  public long errorReplies() {
    return errorReplies.sum();
  }

  /** Bytes read from clients: Redis's {@code total_net_input_bytes}. */
  public long inputBytes() {
    return inputBytes.sum();
  }

  /** Bytes of replies written to clients: Redis's {@code total_net_output_bytes}. */
  public long outputBytes() {
    return outputBytes.sum();
  }

  /** {@code CONFIG RESETSTAT}: every counter back to zero. */
  public void reset() {
    commands.clear();
    errors.clear();
    errorReplies.reset();
    inputBytes.reset();
    outputBytes.reset();
  }
}
