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

  /**
   * Like {@link #start(RespServerConfig, CommandTable, CommandHandler)}, but every connection is served on
   * {@code sharedIoGroup} (made by {@link #singleThreadGroup}), whose thread the caller also runs its own work on:
   * a handler called on that thread may answer at once, with no hand-off to another thread and back. The caller
   * owns the group; {@link #stop()} closes the connections and leaves the group running.
   */
  static RespServer start(RespServerConfig config, CommandTable table, CommandHandler handler,
      io.netty.channel.EventLoopGroup sharedIoGroup) {
    return NettyRespServer.start(config, table, handler, sharedIoGroup);
  }

  /**
   * A one-thread event-loop group of the transport the server uses (epoll where available and
   * {@code nativeTransport} allows, NIO otherwise), for {@link #start(RespServerConfig, CommandTable,
   * CommandHandler, io.netty.channel.EventLoopGroup)}.
   */
  static io.netty.channel.EventLoopGroup singleThreadGroup(String threadName, boolean nativeTransport) {
    return NettyRespServer.singleThreadGroup(threadName, nativeTransport);
  }

  /** The bound address; with port 0 in the configuration this tells the port actually chosen. */
  InetSocketAddress localAddress();

  /** The bound port. */
  default int port() {
    return localAddress().getPort();
  }

  /** This front door's pub/sub subscriptions, through which messages reach its connections. */
  PubSubHub pubSub();

  /** The configuration it runs with. */
  RespServerConfig config();

  /** Per-command calls, times and errors, and the bytes read and written, for {@code INFO}. */
  CommandStatistics commandStatistics();

  /**
   * The front door's security counters: bytes of partial commands buffered now, connections closed for the query
   * buffer budget, HTTP requests dropped, clients refused by protected mode, and failed AUTH/HELLO passwords.
   */
  record SecurityStatistics(long queryBufferBytes, long queryBudgetDisconnections, long securityAttacks,
      long protectedModeRefusals, long authFailures) {}

  /** See {@link SecurityStatistics}. */
  SecurityStatistics securityStatistics();

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
