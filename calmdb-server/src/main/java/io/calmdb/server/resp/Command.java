package io.calmdb.server.resp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One decoded client command: its arguments as binary-safe byte arrays and the table entry it matched.
 *
 * <p>Arguments are numbered as Redis numbers {@code argv}: index 0 is the command name as the client typed it,
 * the first key of {@code GET key} is index 1, and {@link #argumentCount()} counts the name too, so it compares
 * directly with a Redis arity and with {@link CommandSpec#firstKey()}. The arrays are owned by the command and
 * not copied on access; handlers must not change them (they may keep them, for example as stored values).
 */
public final class Command {
  private final byte[][] arguments;
  private final CommandSpec spec;

  private Command(byte[][] arguments, CommandSpec spec) {
    this.arguments = arguments;
    this.spec = spec;
  }

  /**
   * A command with the given arguments, index 0 being the name. Used by the decoder and by tests or embedders that
   * call a {@link CommandHandler} directly.
   *
   * @throws IllegalArgumentException if there is no argument or an argument is null
   */
  public static Command of(CommandSpec spec, byte[]... arguments) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(arguments, "arguments");
    if (arguments.length == 0) {
      throw new IllegalArgumentException("arguments must hold at least the command name");
    }
    for (int index = 0; index < arguments.length; index++) {
      if (arguments[index] == null) {
        throw new IllegalArgumentException("arguments[" + index + "] is null");
      }
    }
    return new Command(arguments, spec);
  }

  /** The table entry this command matched; its {@link CommandSpec#name()} is the lower-case canonical name. */
  public CommandSpec spec() {
    return spec;
  }

  /** The lower-case canonical name, such as {@code "get"}, whatever case the client used. */
  public String name() {
    return spec.name();
  }

  /** The number of arguments including the command name, Redis's {@code argc}. */
  public int argumentCount() {
    return arguments.length;
  }

  /**
   * The argument at {@code index}, 0 being the command name.
   *
   * @throws IndexOutOfBoundsException if {@code index} is not below {@link #argumentCount()}
   */
  public byte[] argument(int index) {
    return arguments[Objects.checkIndex(index, arguments.length)];
  }

  /** The argument at {@code index} decoded as UTF-8, for options and numbers (keys and values stay bytes). */
  public String argumentString(int index) {
    return new String(argument(index), StandardCharsets.UTF_8);
  }

  /**
   * The argument at {@code index} parsed as a signed 64-bit decimal integer with Redis's strictness (no spaces,
   * no plus sign, no leading zeros), or throws so the handler can reply
   * {@link CommandErrors#NOT_AN_INTEGER}.
   *
   * @throws NumberFormatException if the argument is not such an integer
   */
  public long argumentLong(int index) {
    return RespNumbers.parseLong(argument(index));
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("Command[");
    for (int index = 0; index < arguments.length; index++) {
      if (index > 0) {
        text.append(' ');
      }
      text.append('\'').append(new String(arguments[index], StandardCharsets.UTF_8)).append('\'');
    }
    return text.append(']').toString();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Command command && spec.equals(command.spec)
        && Arrays.deepEquals(arguments, command.arguments);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(arguments);
  }
}
