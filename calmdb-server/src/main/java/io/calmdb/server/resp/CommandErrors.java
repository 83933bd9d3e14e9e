package io.calmdb.server.resp;

import java.nio.charset.StandardCharsets;

/**
 * The error messages of Redis, word for word, so that clients and scripts that match on them keep working.
 *
 * <p>Handlers use these for the errors Redis itself gives ({@link #NOT_AN_INTEGER}, {@link #WRONG_TYPE},
 * {@link #SYNTAX}); the front door uses the rest. Each message starts with its error code, as
 * {@link Reply#error(String)} expects.
 */
public final class CommandErrors {
  /** Redis's reply when an argument that must be an integer is not one, or overflows. */
  public static final String NOT_AN_INTEGER = "ERR value is not an integer or out of range";
  /** Redis's reply when a key holds another type than the command works on. */
  public static final String WRONG_TYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
  /** Redis's reply for an unknown option or a malformed combination of options. */
  public static final String SYNTAX = "ERR syntax error";
  /** Redis's reply to {@code SELECT} with any index but 0: CalmDB has one keyspace per node. */
  public static final String DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range";
  /** Redis's prefix of protocol errors; the connection is closed after this reply. */
  public static final String PROTOCOL_ERROR_PREFIX = "ERR Protocol error: ";

  /** How many bytes of the arguments Redis quotes in an unknown-command error. */
  private static final int QUOTED_ARGUMENTS_BYTES_MAX = 128;

  private CommandErrors() {}

  /** {@code ERR wrong number of arguments for 'get' command}, with the lower-case canonical name. */
  public static String wrongArity(String canonicalName) {
    return "ERR wrong number of arguments for '" + canonicalName + "' command";
  }

  /** {@code ERR unknown subcommand 'foo'. Try CLIENT HELP.} with the container command in upper case. */
  public static String unknownSubcommand(String subcommand, String containerName) {
    return "ERR unknown subcommand '" + truncate(subcommand, QUOTED_ARGUMENTS_BYTES_MAX) + "'. Try "
        + containerName.toUpperCase(java.util.Locale.ROOT) + " HELP.";
  }

  /**
   * {@code ERR unknown command 'FOO', with args beginning with: 'a' 'b' }: the name as typed and the first
   * arguments quoted until 128 characters are used, exactly as Redis 7 builds it (including the trailing space).
   */
  static String unknownCommand(byte[][] arguments) {
    StringBuilder quoted = new StringBuilder();
    for (int index = 1; index < arguments.length && quoted.length() < QUOTED_ARGUMENTS_BYTES_MAX; index++) {
      String argument = new String(arguments[index], StandardCharsets.UTF_8);
      // Redis's "'%.*s' " takes the precision from the length before this argument's opening quote.
      int lengthMax = QUOTED_ARGUMENTS_BYTES_MAX - quoted.length();
      quoted.append('\'').append(truncate(argument, lengthMax)).append("' ");
    }
    return "ERR unknown command '" + truncate(new String(arguments[0], StandardCharsets.UTF_8),
        QUOTED_ARGUMENTS_BYTES_MAX) + "', with args beginning with: " + quoted;
  }

  /** {@code ERR Protocol error: detail}. */
  static String protocolError(String detail) {
    return PROTOCOL_ERROR_PREFIX + detail;
  }

  private static String truncate(String text, int lengthMax) {
    return text.length() <= lengthMax ? text : text.substring(0, lengthMax);
  }
}
