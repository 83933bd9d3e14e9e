package io.calmdb.server.resp;

import java.util.concurrent.CompletionStage;

/**
 * Runs the data commands of a {@link CommandTable}: the node implements this, the front door calls it.
 *
 * <p>The front door calls {@link #handle} only for a well-formed command that is in the table, is not a
 * connection command, and satisfies its spec's arity; malformed frames, unknown commands and arity errors never
 * reach the handler. The call happens on the connection's event-loop thread, in the order the client sent the
 * commands, so it must not block: a write that has to wait for the write-ahead log returns an incomplete stage and
 * completes it later from any thread. The front door writes replies strictly in request order per connection
 * (a pipelined {@code SET a; GET a} always gets its two replies in that order) however the stages complete, and
 * it stops reading from a connection whose unanswered commands reach
 * {@link RespServerConfig#pipelineCommandsMax()}, which is the back-pressure a slow log exerts on a fast client.
 *
 * <p>A stage completed exceptionally, or an exception thrown by {@code handle}, becomes the reply
 * {@code -ERR internal error} with the exception's message, and is logged; the connection stays open. Replies
 * to ordinary user errors ({@link CommandErrors#WRONG_TYPE}, ...) should be returned as {@link Reply#error}.
 */
@FunctionalInterface
public interface CommandHandler {
  /**
   * Runs {@code command} for {@code connection}.
   *
   * @return the reply, possibly not yet complete; never null
   */
  CompletionStage<Reply> handle(Connection connection, Command command);
}
