package io.calmdb.server.resp;

import java.net.InetSocketAddress;

/**
 * A running Redis-protocol server: it accepts connections, decodes requests within the bounds of its
 * {@link RespServerConfig}, runs connection commands itself and hands data commands to a {@link CommandHandler},
 * and writes replies in request order.
 *
 * <p>Threads: one acceptor thread and {@link RespServerConfig#ioThreads()} event-loop threads, all named after
 * {@link RespServerConfig#threadNamePrefix()}; each connection stays on one event loop for its lifetime. A
 * protocol error closes only the connection that sent it. Thread-safe.
 */
public interface RespServer extends AutoCloseable {

  /**
   * Binds to the configured host and port and starts serving; returns once the socket is bound.
   *
   * @throws IllegalStateException if the address cannot be bound (the message names it); nothing is left running
   */
  static RespServer start(RespServerConfig config, CommandTable table, CommandHandler handler) {
    return NettyRespServer.start(config, table, handler);
  }

  /** The bound address; with port 0 in the configuration this tells the port actually chosen. */
  InetSocketAddress localAddress();

  /** The bound port. */
  default int port() {
    return localAddress().getPort();
  }

  /** Counters since start; cheap, for {@code INFO} and metrics. */
  RespServerStatistics statistics();

  /**
   * Stops accepting, closes every connection (replies not yet written are dropped; acknowledged writes are the
   * handler's durability concern, not the socket's), and waits at most {@link RespServerConfig#stopTimeoutMillis()}
   * for the threads to end. Idempotent.
   */
  void stop();

  /** Same as {@link #stop()}, so a server can live in try-with-resources. */
  @Override
  default void close() {
    stop();
  }
}
