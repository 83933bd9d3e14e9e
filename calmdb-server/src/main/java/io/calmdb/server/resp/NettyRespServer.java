package io.calmdb.server.resp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Netty implementation of {@link RespServer}; see there for the contract. */
final class NettyRespServer implements RespServer {
  private static final Logger LOG = LoggerFactory.getLogger(NettyRespServer.class);
  /** Redis's default {@code tcp-backlog}. */
  private static final int ACCEPT_BACKLOG_CONNECTIONS = 511;

  private final RespServerConfig config;
  private final CommandTable table;
  private final CommandHandler handler;
  private final EventLoopGroup acceptGroup;
  private final EventLoopGroup ioGroup;
  private final ConcurrentHashMap<Long, ClientConnection> connections = new ConcurrentHashMap<>();
  private final AtomicLong nextConnectionId = new AtomicLong(1);
  private final LongAdder connectionsAccepted = new LongAdder();
  private final LongAdder connectionsRejected = new LongAdder();
  private final LongAdder commandsProcessed = new LongAdder();
  private final LongAdder protocolErrors = new LongAdder();
  private final AtomicLong queryBytes = new AtomicLong();
  private final LongAdder queryBudgetDisconnections = new LongAdder();
  private final LongAdder securityAttacks = new LongAdder();
  private final LongAdder authFailures = new LongAdder();
  private final LongAdder protectedModeRefusals = new LongAdder();
  private final PubSubHub pubSub = new PubSubHub(PubSubHub.OUTPUT_BYTES_MAX_DEFAULT);
  private final CommandStatistics commandStatistics = new CommandStatistics();
  private volatile Channel serverChannel;
  private volatile InetSocketAddress localAddress;
  private boolean stopped;
  private final boolean ownsIoGroup;

  private NettyRespServer(RespServerConfig config, CommandTable table, CommandHandler handler,
      EventLoopGroup acceptGroup, EventLoopGroup ioGroup, boolean ownsIoGroup) {
    this.config = config;
    this.table = table;
    this.handler = handler;
    this.acceptGroup = acceptGroup;
    this.ioGroup = ioGroup;
    this.ownsIoGroup = ownsIoGroup;
  }

  /** A one-thread group of the transport {@code start} would pick, for a caller that shares its thread. */
  static EventLoopGroup singleThreadGroup(String threadName, boolean nativeTransport) {
    ThreadFactory factory = new DefaultThreadFactory(threadName, true);
    return nativeTransport && EpollTransport.isAvailable() ? EpollTransport.group(1, factory)
        : new NioEventLoopGroup(1, factory);
  }

  /** Serves every connection on {@code sharedIoGroup}, which the caller owns: stopping closes the connections only. */
  static NettyRespServer start(RespServerConfig config, CommandTable table, CommandHandler handler,
      EventLoopGroup sharedIoGroup) {
    Objects.requireNonNull(sharedIoGroup, "sharedIoGroup");
    ThreadFactory acceptThreads = new DefaultThreadFactory(config.threadNamePrefix() + "-accept", true);
    boolean epoll = EpollTransport.isGroup(sharedIoGroup);
    EventLoopGroup acceptGroup = epoll ? EpollTransport.group(1, acceptThreads) : new NioEventLoopGroup(1, acceptThreads);
    Class<? extends ServerChannel> channelType = epoll ? EpollTransport.serverChannelType()
        : NioServerSocketChannel.class;
    NettyRespServer server = new NettyRespServer(config, table, handler, acceptGroup, sharedIoGroup, false);
    server.bind(channelType);
    return server;
  }

  static NettyRespServer start(RespServerConfig config, CommandTable table, CommandHandler handler) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(handler, "handler");
    ThreadFactory acceptThreads = new DefaultThreadFactory(config.threadNamePrefix() + "-accept", true);
    ThreadFactory ioThreads = new DefaultThreadFactory(config.threadNamePrefix() + "-io", true);
    Class<? extends ServerChannel> channelType;
    EventLoopGroup acceptGroup;
    EventLoopGroup ioGroup;
    if (config.nativeTransport() && EpollTransport.isAvailable()) {
      acceptGroup = EpollTransport.group(1, acceptThreads);
      ioGroup = EpollTransport.group(config.ioThreads(), ioThreads);
      channelType = EpollTransport.serverChannelType();
    } else {
      acceptGroup = new NioEventLoopGroup(1, acceptThreads);
      ioGroup = new NioEventLoopGroup(config.ioThreads(), ioThreads);
      channelType = NioServerSocketChannel.class;
    }
    NettyRespServer server = new NettyRespServer(config, table, handler, acceptGroup, ioGroup, true);
    server.bind(channelType);
    return server;
  }

  private void bind(Class<? extends ServerChannel> channelType) {
    int backlogBytesMax = config.replyBacklogBytesMax();
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(acceptGroup, ioGroup)
        .channel(channelType)
        .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG_CONNECTIONS)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(backlogBytesMax / 2, backlogBytesMax))
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            connectionsAccepted.increment();
            if (config.sslContext() != null) {
              channel.pipeline().addLast("tls", config.sslContext().newHandler(channel.alloc()));
            }
            channel.pipeline().addLast("resp", new ClientConnection(NettyRespServer.this,
                nextConnectionId.getAndIncrement()));
          }
        });
    try {
      Channel channel = bootstrap.bind(config.host(), config.port()).syncUninterruptibly().channel();
      serverChannel = channel;
      localAddress = (InetSocketAddress) channel.localAddress();
      if (ownsIoGroup) {
        LOG.info("RESP server listening on {} with {} I/O threads ({})", localAddress, config.ioThreads(),
            channelType.getSimpleName());
      } else {
        LOG.info("RESP server listening on {}, serving its connections on the caller's event loop ({})", localAddress,
            channelType.getSimpleName());
      }
    } catch (RuntimeException bindFailure) {
      stop();
      throw new IllegalStateException("cannot listen for RESP on " + config.host() + ":" + config.port() + ": "
          + bindFailure.getMessage(), bindFailure);
    }
  }

  @Override
  public RespServerConfig config() {
    return config;
  }

  CommandTable table() {
    return table;
  }

  CommandHandler handler() {
    return handler;
  }

  @Override
  public PubSubHub pubSub() {
    return pubSub;
  }

  @Override
  public CommandStatistics commandStatistics() {
    return commandStatistics;
  }

  Collection<ClientConnection> connections() {
    return connections.values();
  }

  /** Registers a new connection, or returns false when {@link RespServerConfig#connectionsMax()} is reached. */
  boolean register(ClientConnection connection) {
    if (connections.size() >= config.connectionsMax()) {
      connectionsRejected.increment();
      return false;
    }
    connections.put(connection.id(), connection);
    return true;
  }

  void unregister(ClientConnection connection) {
    connections.remove(connection.id());
  }

  void countCommand() {
    commandsProcessed.increment();
  }

  void countProtocolError() {
    protocolErrors.increment();
  }

  /** Adds {@code delta} bytes to the node-wide total of buffered partial commands and returns the new total. */
  long queryBytes(long delta) {
    return queryBytes.addAndGet(delta);
  }

  void countQueryBudgetDisconnection() {
    queryBudgetDisconnections.increment();
  }

  void countAuthFailure() {
    authFailures.increment();
  }

  void countSecurityAttack() {
    securityAttacks.increment();
  }

  void countProtectedModeRefusal() {
    protectedModeRefusals.increment();
  }

  @Override
  public SecurityStatistics securityStatistics() {
    return new SecurityStatistics(queryBytes.get(), queryBudgetDisconnections.sum(), securityAttacks.sum(),
        protectedModeRefusals.sum(), authFailures.sum());
  }

  @Override
  public InetSocketAddress localAddress() {
    InetSocketAddress address = localAddress;
    if (address == null) {
      throw new IllegalStateException("the RESP server is not bound");
    }
    return address;
  }

  @Override
  public RespServerStatistics statistics() {
    return new RespServerStatistics(connections.size(), connectionsAccepted.sum(), connectionsRejected.sum(),
        commandsProcessed.sum(), protocolErrors.sum());
  }

  @Override
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.stopTimeoutMillis());
    Channel channel = serverChannel;
    if (channel != null) {
      channel.close().awaitUninterruptibly(remainingMillis(deadlineNanos));
    }
    Future<?> acceptDone = acceptGroup.shutdownGracefully(0, config.stopTimeoutMillis(), TimeUnit.MILLISECONDS);
    // Shutting the I/O group down closes every client channel it serves; a shared group stays up for its owner,
    // so the connections are closed one by one instead.
    Future<?> ioDone;
    if (ownsIoGroup) {
      ioDone = ioGroup.shutdownGracefully(0, config.stopTimeoutMillis(), TimeUnit.MILLISECONDS);
    } else {
      for (ClientConnection connection : connections.values()) {
        connection.closeNow();
      }
      ioDone = io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE.newSucceededFuture(null);
    }
    boolean acceptEnded = acceptDone.awaitUninterruptibly(remainingMillis(deadlineNanos));
    boolean ioEnded = ioDone.awaitUninterruptibly(remainingMillis(deadlineNanos));
    if (!acceptEnded || !ioEnded) {
      LOG.warn("RESP server threads did not end within {} ms", config.stopTimeoutMillis());
    }
    LOG.info("RESP server on {} stopped", localAddress);
  }

  private static long remainingMillis(long deadlineNanos) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
  }
}
