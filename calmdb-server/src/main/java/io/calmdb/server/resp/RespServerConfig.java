package io.calmdb.server.resp;

import java.util.Objects;

/**
 * The settings of a {@link RespServer}: where it listens, how many threads it uses, and the bounds that keep one
 * client from exhausting the node. Every bound has a name, a unit and a default; build with {@link #builder()}.
 *
 * <p>The protocol bounds are checked while decoding, before any memory proportional to a claimed length is
 * reserved: a length header only says how many bytes to wait for, and the bytes themselves are buffered as they
 * arrive. A request over a bound gets {@code -ERR Protocol error: ...} and the connection is closed, as Redis does.
 *
 * @param host address to bind; loopback by default so a development node is not reachable from the network
 * @param port TCP port, 0 for an ephemeral port (see {@link RespServer#port()})
 * @param ioThreads event-loop threads serving connections (unused when the server is started on a shared event
 *     loop, as a node starts it: see {@link RespServer#start(RespServerConfig, CommandTable, CommandHandler,
 *     io.netty.channel.EventLoopGroup)})
 * @param bulkBytesMax largest bulk string (one argument) accepted, Redis's {@code proto-max-bulk-len}
 * @param multibulkArgumentsMax most arguments in one multibulk request, including the command name
 * @param inlineBytesMax longest inline command line (a command typed without RESP framing, as telnet sends)
 * @param commandBytesMax most bytes in all the bulk strings of one command together
 * @param pipelineCommandsMax most commands of one connection decoded but not yet answered; reading from the
 *     connection pauses at this number and resumes when half of them are answered
 * @param replyBacklogBytesMax most reply bytes queued for a connection that does not read them; reading from the
 *     connection pauses above it (Netty's high write-buffer water mark) and resumes below half of it
 * @param connectionsMax most simultaneous client connections, Redis's {@code maxclients}
 * @param serverName the {@code server} field of the {@code HELLO} reply
 * @param serverVersion the {@code version} field of the {@code HELLO} reply: the Redis version whose commands
 *     and replies CalmDB follows, so clients that gate features on it behave as with that Redis
 * @param nativeTransport whether to use Linux epoll when available (NIO otherwise)
 * @param threadNamePrefix prefix of the names of the server's threads, for thread dumps and profiles
 * @param stopTimeoutMillis longest {@link RespServer#stop()} waits for connections and threads to end
 * @param accessControl the users, passwords and permissions connections are checked against (mutable state the
 *     server shares with {@code ACL}, {@code CONFIG SET requirepass} and the node)
 * @param protectedMode whether a node whose default user has no password refuses clients not on loopback
 * @param preAuthBulkBytesMax largest bulk string accepted before the connection authenticates, Redis's 16 KiB
 * @param preAuthArgumentsMax most arguments in one request before the connection authenticates, Redis's 10
 * @param queryBuffersBytesMax node-wide budget for the bytes of all connections' partly received commands (the
 *     input buffer plus the arguments decoded so far); a connection whose growth would pass it gets an error and is
 *     closed, so a crowd of slow or partial senders cannot exhaust memory
 * @param sslContext when set, the port speaks only TLS with it (Redis's {@code tls-port}); null for plain TCP
 */
public record RespServerConfig(String host, int port, int ioThreads, int bulkBytesMax, int multibulkArgumentsMax,
    int inlineBytesMax, long commandBytesMax, int pipelineCommandsMax, int replyBacklogBytesMax, int connectionsMax,
    String serverName, String serverVersion, boolean nativeTransport, String threadNamePrefix,
    long stopTimeoutMillis, AccessControl accessControl, boolean protectedMode, int preAuthBulkBytesMax,
    int preAuthArgumentsMax, long queryBuffersBytesMax, io.netty.handler.ssl.SslContext sslContext) {

  /** Loopback: exposing a node to the network is a deployment decision, made in its configuration. */
  public static final String HOST_DEFAULT = "127.0.0.1";
  /** One event loop per core, at most four: the handler's work is small, so more threads only add contention. */
  public static final int IO_THREADS_DEFAULT = Math.min(4, Math.max(1, Runtime.getRuntime().availableProcessors()));
  /** Upper bound on {@link #ioThreads}. */
  public static final int IO_THREADS_MAX = 256;
  /** Redis's own hard ceiling for {@code proto-max-bulk-len}: 512 MiB. */
  public static final int BULK_BYTES_LIMIT = 512 * 1024 * 1024;
  /**
   * 16 MiB, lower than Redis's 512 MiB: every value CalmDB accepts becomes a write-ahead-log record and a delta
   * shipped to every other region, so a single huge value stalls group commit and replication for everyone.
   * Raise it in the configuration when an application really stores such values.
   */
  public static final int BULK_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;
  /** Redis 6's limit on arguments in one request. */
  public static final int MULTIBULK_ARGUMENTS_MAX_DEFAULT = 1024 * 1024;
  /** Redis's {@code PROTO_INLINE_MAX_SIZE}: 64 KiB. */
  public static final int INLINE_BYTES_MAX_DEFAULT = 64 * 1024;
  /** 64 MiB for all the arguments of one command, four maximal values. */
  public static final long COMMAND_BYTES_MAX_DEFAULT = 64L * 1024 * 1024;
  /** 1024 unanswered commands: far above {@code redis-benchmark -P 16}, far below memory trouble. */
  public static final int PIPELINE_COMMANDS_MAX_DEFAULT = 1024;
  /** 4 MiB of unread replies before the connection stops being read. */
  public static final int REPLY_BACKLOG_BYTES_MAX_DEFAULT = 4 * 1024 * 1024;
  /** Redis's default {@code maxclients}. */
  public static final int CONNECTIONS_MAX_DEFAULT = 10_000;
  /** The Redis version whose command set and replies the front door follows. */
  public static final String SERVER_VERSION_DEFAULT = "7.2.0";
  /** Five seconds for a clean stop. */
  public static final long STOP_TIMEOUT_MILLIS_DEFAULT = 5_000;
  /** Redis 7's bound on a bulk string from a client that has not authenticated: 16 KiB. */
  public static final int PRE_AUTH_BULK_BYTES_MAX_DEFAULT = 16 * 1024;
  /** Redis 7's bound on the arguments of a request from a client that has not authenticated. */
  public static final int PRE_AUTH_ARGUMENTS_MAX_DEFAULT = 10;
  /**
   * A quarter of the JVM's largest heap, at least 32 MiB: room for several maximal commands in flight at once, and
   * far from an {@code OutOfMemoryError}.
   */
  public static final long QUERY_BUFFERS_BYTES_MAX_DEFAULT = Math.max(32L * 1024 * 1024,
      Runtime.getRuntime().maxMemory() / 4);

  /** Validates every field, naming the offending one. */
  public RespServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(serverName, "serverName");
    Objects.requireNonNull(serverVersion, "serverVersion");
    Objects.requireNonNull(threadNamePrefix, "threadNamePrefix");
    requireRange("port", port, 0, 65_535);
    requireRange("ioThreads", ioThreads, 1, IO_THREADS_MAX);
    requireRange("bulkBytesMax", bulkBytesMax, 1, BULK_BYTES_LIMIT);
    requireRange("multibulkArgumentsMax", multibulkArgumentsMax, 1, Integer.MAX_VALUE);
    requireRange("inlineBytesMax", inlineBytesMax, 16, Integer.MAX_VALUE);
    requireRange("commandBytesMax", commandBytesMax, bulkBytesMax, Long.MAX_VALUE);
    requireRange("pipelineCommandsMax", pipelineCommandsMax, 1, Integer.MAX_VALUE);
    requireRange("replyBacklogBytesMax", replyBacklogBytesMax, 2, Integer.MAX_VALUE);
    requireRange("connectionsMax", connectionsMax, 1, Integer.MAX_VALUE);
    requireRange("stopTimeoutMillis", stopTimeoutMillis, 1, Long.MAX_VALUE);
    Objects.requireNonNull(accessControl, "accessControl");
    requireRange("preAuthBulkBytesMax", preAuthBulkBytesMax, 1, bulkBytesMax);
    requireRange("preAuthArgumentsMax", preAuthArgumentsMax, 2, multibulkArgumentsMax);
    requireRange("queryBuffersBytesMax", queryBuffersBytesMax, 1, Long.MAX_VALUE);
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults: loopback, an ephemeral port, the bounds documented on the constants. */
  public static RespServerConfig defaults() {
    return builder().build();
  }

  private static void requireRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
    }
  }

  /** Builds a {@link RespServerConfig}; every setter names a field of the record. Not thread-safe. */
  public static final class Builder {
    private String host = HOST_DEFAULT;
    private int port;
    private int ioThreads = IO_THREADS_DEFAULT;
    private int bulkBytesMax = BULK_BYTES_MAX_DEFAULT;
    private int multibulkArgumentsMax = MULTIBULK_ARGUMENTS_MAX_DEFAULT;
    private int inlineBytesMax = INLINE_BYTES_MAX_DEFAULT;
    private long commandBytesMax = COMMAND_BYTES_MAX_DEFAULT;
    private int pipelineCommandsMax = PIPELINE_COMMANDS_MAX_DEFAULT;
    private int replyBacklogBytesMax = REPLY_BACKLOG_BYTES_MAX_DEFAULT;
    private int connectionsMax = CONNECTIONS_MAX_DEFAULT;
    private String serverName = "calmdb";
    private String serverVersion = SERVER_VERSION_DEFAULT;
    private boolean nativeTransport = true;
    private String threadNamePrefix = "calmdb-resp";
    private long stopTimeoutMillis = STOP_TIMEOUT_MILLIS_DEFAULT;
    private AccessControl accessControl;
    private boolean protectedMode = true;
    private int preAuthBulkBytesMax = PRE_AUTH_BULK_BYTES_MAX_DEFAULT;
    private int preAuthArgumentsMax = PRE_AUTH_ARGUMENTS_MAX_DEFAULT;
    private long queryBuffersBytesMax = QUERY_BUFFERS_BYTES_MAX_DEFAULT;
    private io.netty.handler.ssl.SslContext sslContext;

    private Builder() {}

    /** See {@link RespServerConfig#host()}. */
    public Builder host(String value) {
      host = value;
      return this;
    }

    /** See {@link RespServerConfig#port()}. */
    public Builder port(int value) {
      port = value;
      return this;
    }

    /** See {@link RespServerConfig#ioThreads()}. */
    public Builder ioThreads(int value) {
      ioThreads = value;
      return this;
    }

    /** See {@link RespServerConfig#bulkBytesMax()}. */
    public Builder bulkBytesMax(int value) {
      bulkBytesMax = value;
      return this;
    }

    /** See {@link RespServerConfig#multibulkArgumentsMax()}. */
    public Builder multibulkArgumentsMax(int value) {
      multibulkArgumentsMax = value;
      return this;
    }

    /** See {@link RespServerConfig#inlineBytesMax()}. */
    public Builder inlineBytesMax(int value) {
      inlineBytesMax = value;
      return this;
    }

    /** See {@link RespServerConfig#commandBytesMax()}. */
    public Builder commandBytesMax(long value) {
      commandBytesMax = value;
      return this;
    }

    /** See {@link RespServerConfig#pipelineCommandsMax()}. */
    public Builder pipelineCommandsMax(int value) {
      pipelineCommandsMax = value;
      return this;
    }

    /** See {@link RespServerConfig#replyBacklogBytesMax()}. */
    public Builder replyBacklogBytesMax(int value) {
      replyBacklogBytesMax = value;
      return this;
    }

    /** See {@link RespServerConfig#connectionsMax()}. */
    public Builder connectionsMax(int value) {
      connectionsMax = value;
      return this;
    }

    /** See {@link RespServerConfig#serverName()}. */
    public Builder serverName(String value) {
      serverName = value;
      return this;
    }

    /** See {@link RespServerConfig#serverVersion()}. */
    public Builder serverVersion(String value) {
      serverVersion = value;
      return this;
    }

    /** See {@link RespServerConfig#nativeTransport()}. */
    public Builder nativeTransport(boolean value) {
      nativeTransport = value;
      return this;
    }

    /** See {@link RespServerConfig#threadNamePrefix()}. */
    public Builder threadNamePrefix(String value) {
      threadNamePrefix = value;
      return this;
    }

    /** See {@link RespServerConfig#stopTimeoutMillis()}. */
    public Builder stopTimeoutMillis(long value) {
      stopTimeoutMillis = value;
      return this;
    }

    /** See {@link RespServerConfig#accessControl()}; an open one (nopass default user) when not set. */
    public Builder accessControl(AccessControl value) {
      accessControl = value;
      return this;
    }

    /** See {@link RespServerConfig#protectedMode()}. */
    public Builder protectedMode(boolean value) {
      protectedMode = value;
      return this;
    }

    /** See {@link RespServerConfig#preAuthBulkBytesMax()}. */
    public Builder preAuthBulkBytesMax(int value) {
      preAuthBulkBytesMax = value;
      return this;
    }

    /** See {@link RespServerConfig#preAuthArgumentsMax()}. */
    public Builder preAuthArgumentsMax(int value) {
      preAuthArgumentsMax = value;
      return this;
    }

    /** See {@link RespServerConfig#queryBuffersBytesMax()}. */
    public Builder queryBuffersBytesMax(long value) {
      queryBuffersBytesMax = value;
      return this;
    }

    /** See {@link RespServerConfig#sslContext()}. */
    public Builder sslContext(io.netty.handler.ssl.SslContext value) {
      sslContext = value;
      return this;
    }

    /** The validated configuration. */
    public RespServerConfig build() {
      return new RespServerConfig(host, port, ioThreads, bulkBytesMax, multibulkArgumentsMax, inlineBytesMax,
          commandBytesMax, pipelineCommandsMax, replyBacklogBytesMax, connectionsMax, serverName, serverVersion,
          nativeTransport, threadNamePrefix, stopTimeoutMillis,
          accessControl == null ? AccessControl.open() : accessControl, protectedMode,
          Math.min(preAuthBulkBytesMax, bulkBytesMax), Math.min(preAuthArgumentsMax, multibulkArgumentsMax),
          queryBuffersBytesMax, sslContext);
    }
  }
}
