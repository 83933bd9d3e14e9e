package io.calmdb.server.resp;

import java.util.List;
import java.util.concurrent.CompletableFuture;
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

  /**
   * Runs the data commands a client queued between {@code MULTI} and {@code EXEC}, in order, as one unit: no other
   * command may run between them, and a handler that replicates must ship their effects together. Each command's
   * arity was checked when it was queued. Called on the connection's event loop; must not block.
   *
   * @return one reply per command (a runtime error such as {@code WRONGTYPE} is that command's reply, and the others
   *     still apply, as in Redis), or a null list when the transaction was abandoned because a watched key changed
   */
  default CompletionStage<List<Reply>> execute(Connection connection, List<Command> commands) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("this handler does not run transactions"));
  }

  /**
   * Forgets every key {@code connection} watches: its transaction ended ({@code EXEC}, {@code DISCARD}, a failed
   * transaction), it was {@code RESET}, or it closed. Called on the connection's event loop, before {@code RESET}
   * clears the attachment.
   */
  default void unwatchAll(Connection connection) {}
}
