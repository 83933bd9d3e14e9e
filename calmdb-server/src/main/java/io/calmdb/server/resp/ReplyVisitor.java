package io.calmdb.server.resp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads a {@link Reply} by its type, for code that must turn replies into something else: the Lua scripting engine
 * converts a command's reply into Lua values as Redis does (integers to numbers, bulk strings to strings, a nil to
 * {@code false}, arrays to tables, a status to {@code {ok=...}}, an error to {@code {err=...}}).
 *
 * @param <T> what the visit returns
 */
public interface ReplyVisitor<T> {
  T simple(String text);

  /** {@code message} includes the error code, such as {@code ERR} or {@code WRONGTYPE}. */
  T error(String message);

  T integer(long value);

  T bulk(byte[] value);

  /** A null bulk string or a null array. */
  T nil();

  /** An array, a RESP3 set, or a RESP3 map as its flat list of keys and values. */
  T array(List<Reply> elements);

  T doubleValue(double value);

  T bool(boolean value);

  /** Calls the method of {@code visitor} for {@code reply}'s type. */
  static <T> T visit(Reply reply, ReplyVisitor<T> visitor) {
    return switch (reply) {
      case RespReplies.SimpleString simple -> visitor.simple(new String(simple.bytes, StandardCharsets.UTF_8));
      case RespReplies.ErrorReply error -> visitor.error(error.message());
      case RespReplies.IntegerReply integer -> visitor.integer(integer.value);
      case RespReplies.BulkReply bulk -> visitor.bulk(bulk.value);
      case RespReplies.NullReply ignored -> visitor.nil();
      case RespReplies.ArrayReply array -> visitor.array(array.elements);
      case RespReplies.SetReply set -> visitor.array(set.elements);
      case RespReplies.PushReply push -> visitor.array(push.elements);
      case RespReplies.FramesReply frames -> visitor.array(frames.replies);
      case RespReplies.MapReply map -> visitor.array(map.keysAndValues);
      case RespReplies.DoubleReply number -> visitor.doubleValue(number.value);
      case RespReplies.BooleanReply bool -> visitor.bool(bool.value);
      case RespReplies.VerbatimReply verbatim -> visitor.bulk(verbatim.text);
      default -> throw new IllegalArgumentException("unknown reply type " + reply.getClass().getName());
    };
  }
}
