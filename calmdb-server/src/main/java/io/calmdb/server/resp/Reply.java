package io.calmdb.server.resp;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One reply to one command, independent of the protocol version it will be written in.
 *
 * <p>A reply is an immutable value. The front door encodes it in RESP2 or RESP3 according to the protocol the
 * connection had when the command ran (switched by {@code HELLO}), so a handler never looks at the protocol: a
 * {@link #map} becomes a flat array in RESP2 and a {@code %} map in RESP3, {@link #bool} becomes an integer or
 * {@code #t}/{@code #f}, {@link #nil} becomes {@code $-1} or {@code _}. This mirrors how Redis's own
 * {@code addReply*} functions choose the encoding late, which is why both clients see the replies they expect.
 *
 * <p>Create replies only through the static factories; the implementations are private to this package.
 */
public sealed interface Reply
    permits RespReplies.SimpleString, RespReplies.ErrorReply, RespReplies.IntegerReply, RespReplies.BulkReply,
        RespReplies.NullReply, RespReplies.ArrayReply, RespReplies.MapReply, RespReplies.SetReply,
        RespReplies.DoubleReply, RespReplies.BooleanReply, RespReplies.VerbatimReply, RespReplies.PushReply,
        RespReplies.FramesReply {

  /** The reply {@code +OK}, shared. */
  static Reply ok() {
    return RespReplies.OK;
  }

  /**
   * A status reply such as {@code +OK} or {@code +PONG}.
   *
   * @throws IllegalArgumentException if {@code text} contains a carriage return or a line feed, which would
   *     break the framing
   */
  static Reply simple(String text) {
    return new RespReplies.SimpleString(text);
  }

  /**
   * An error reply. {@code message} starts with the error code, as in Redis: {@code "ERR value is not an
   * integer or out of range"}, {@code "WRONGTYPE Operation against a key holding the wrong kind of value"}.
   * Carriage returns and line feeds inside the message are replaced by spaces, as Redis does, so a message built
   * from client input cannot break the framing.
   */
  static Reply error(String message) {
    return new RespReplies.ErrorReply(message);
  }

  /** An integer reply ({@code :n}). Common small values are shared. */
  static Reply integer(long value) {
    return RespReplies.integer(value);
  }

  /** A binary-safe bulk string. The array is not copied: the caller must not change it afterwards. */
  static Reply bulk(byte[] value) {
    return new RespReplies.BulkReply(Objects.requireNonNull(value, "value"));
  }

  /** A bulk string holding {@code value} in UTF-8. */
  static Reply bulk(String value) {
    return new RespReplies.BulkReply(Objects.requireNonNull(value, "value").getBytes(StandardCharsets.UTF_8));
  }

  /** The null bulk string: {@code $-1} in RESP2, {@code _} in RESP3 (a missing key on {@code GET}). */
  static Reply nil() {
    return RespReplies.NULL_BULK;
  }

  /** The null array: {@code *-1} in RESP2, {@code _} in RESP3 (for example a timed-out blocking pop). */
  static Reply nilArray() {
    return RespReplies.NULL_ARRAY;
  }

  /** An array of replies; the list is copied. */
  static Reply array(List<? extends Reply> elements) {
    return new RespReplies.ArrayReply(List.copyOf(elements));
  }

  /** An array of replies. */
  static Reply array(Reply... elements) {
    return new RespReplies.ArrayReply(List.of(elements));
  }

  /**
   * A map from keys to values, in the map's iteration order: {@code %n} in RESP3, a flat array of
   * {@code 2n} elements (key, value, key, value...) in RESP2, which is what {@code HGETALL} returns there.
   */
  static Reply map(Map<? extends Reply, ? extends Reply> entries) {
    Reply[] flat = new Reply[entries.size() * 2];
    int index = 0;
    for (Map.Entry<? extends Reply, ? extends Reply> entry : entries.entrySet()) {
      flat[index++] = Objects.requireNonNull(entry.getKey(), "map key");
      flat[index++] = Objects.requireNonNull(entry.getValue(), "map value");
    }
    return new RespReplies.MapReply(List.of(flat));
  }

  /**
   * A map given as alternating keys and values, so a handler can build it without a {@link Map}.
   *
   * @throws IllegalArgumentException if the list has an odd number of elements
   */
  static Reply mapOfPairs(List<? extends Reply> keysAndValues) {
    if (keysAndValues.size() % 2 != 0) {
      throw new IllegalArgumentException("keysAndValues must alternate keys and values, got an odd size "
          + keysAndValues.size());
    }
    return new RespReplies.MapReply(List.copyOf(keysAndValues));
  }

  /** A set: {@code ~n} in RESP3, a plain array in RESP2 (what {@code SMEMBERS} returns). */
  static Reply set(List<? extends Reply> elements) {
    return new RespReplies.SetReply(List.copyOf(elements));
  }

  /**
   * A double: {@code ,1.5} in RESP3, a bulk string {@code "1.5"} in RESP2. Infinities are {@code inf} and
   * {@code -inf}, not-a-number is {@code nan}, as Redis writes them.
   */
  static Reply doubleValue(double value) {
    return new RespReplies.DoubleReply(value);
  }

  /** A boolean: {@code #t}/{@code #f} in RESP3, the integer 1 or 0 in RESP2 (what {@code SISMEMBER} returns). */
  static Reply bool(boolean value) {
    return value ? RespReplies.TRUE : RespReplies.FALSE;
  }

  /**
   * A text meant for humans, such as {@code INFO}: a verbatim string {@code =} with the three-letter format
   * ({@code "txt"} or {@code "mkd"}) in RESP3, a plain bulk string in RESP2.
   *
   * @throws IllegalArgumentException if {@code format} is not exactly three lower-case ASCII letters
   */
  static Reply verbatim(String format, String text) {
    return new RespReplies.VerbatimReply(format, text);
  }

  /**
   * An out-of-band message such as a pub/sub {@code message}: a push {@code >} in RESP3, a plain array in RESP2, as
   * Redis writes its pub/sub frames.
   */
  static Reply push(List<? extends Reply> elements) {
    return new RespReplies.PushReply(List.copyOf(elements));
  }

  /**
   * Several replies written one after another as the answer to one command: {@code SUBSCRIBE a b} answers one
   * {@code subscribe} frame per channel, as Redis does.
   */
  static Reply frames(List<? extends Reply> replies) {
    return new RespReplies.FramesReply(List.copyOf(replies));
  }

  /** Whether this reply is an error; the front door counts errors and a handler may test its own replies. */
  default boolean isError() {
    return this instanceof RespReplies.ErrorReply;
  }
}
