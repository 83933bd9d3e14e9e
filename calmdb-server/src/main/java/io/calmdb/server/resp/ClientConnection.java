package io.calmdb.server.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: it buffers incoming bytes, decodes commands, dispatches them, and writes their replies in
 * request order however the handler's stages complete.
 *
 * <p>Ordering works with a queue of reply slots, one per dispatched command whose reply is not yet written. A reply
 * that is ready when its command is dispatched and has no slot ahead of it is written at once (the fast path for
 * in-memory reads); otherwise it waits in its slot, and each completion writes the longest ready prefix of the
 * queue. Everything here runs on the connection's event loop: completions from other threads are handed over with
 * {@code eventLoop().execute}, so no field needs a lock. The fields read by {@code CLIENT LIST} from other
 * connections' threads are volatile.
 *
 * <p>Back-pressure: decoding stops while {@link RespServerConfig#pipelineCommandsMax()} slots are waiting or while
 * the socket's outbound buffer is above {@link RespServerConfig#replyBacklogBytesMax()}; socket reading is paused
 * then and resumes below half of the bound, so a client that floods requests without reading replies is held back
 * by TCP rather than by the node's memory.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter implements Connection {
  private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
  /** Encoded replies are handed to the socket once this many bytes are batched, even mid-read. */
  private static final int OUTBOUND_FLUSH_BYTES = 64 * 1024;

  private final NettyRespServer server;
  private final RequestDecoder decoder;
  private final long id;
  private final long createdNanos = System.nanoTime();
  private final ArrayDeque<ReplySlot> waiting = new ArrayDeque<>();
  private final Runnable flushTask = this::flushScheduled;
  /** Replies completed off the event loop and not yet taken by {@link #drainCompletions}; bounded by the pipeline bound. */
  private final java.util.concurrent.ConcurrentLinkedQueue<Completion> completions =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean completionDrainQueued =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final Runnable drainCompletions = this::drainCompletions;

  private volatile ChannelHandlerContext context;
  private ByteBuf cumulation;
  /** Replies encoded but not yet handed to the socket; flushed at the end of each read batch or completion batch. */
  private ByteBuf outbound;
  private boolean flushPending;
  /** No more commands are decoded: the connection is closing after a protocol error, QUIT, or disconnection. */
  private boolean closing;
  private boolean decoding;
  private boolean readPaused;
  private boolean registered;

  private volatile int protocolVersion = RespReplies.PROTOCOL_2;
  /** The user this connection authenticated as, or null before it has (issue 11). */
  private volatile String userName;
  /** This connection's share of the node-wide query buffer budget, in bytes, as last accounted. */
  private long queryBytesAccounted;
  private volatile String name;
  private volatile String libraryName;
  private volatile String libraryVersion;
  private volatile String lastCommandName = "NULL";
  private volatile long lastCommandNanos = createdNanos;
  private Object attachment;
  /** This connection's pub/sub channels and patterns (guarded by the server's {@link PubSubHub}). */
  final java.util.Set<io.calmdb.crdt.Bytes> subscribedChannels = new java.util.LinkedHashSet<>();
  final java.util.Set<io.calmdb.crdt.Bytes> subscribedPatterns = new java.util.LinkedHashSet<>();
  /** Bytes of pub/sub frames handed to the event loop from other threads and not yet written. */
  private final java.util.concurrent.atomic.AtomicLong pushBytesQueued = new java.util.concurrent.atomic.AtomicLong();
  /** The open transaction's queue between MULTI and EXEC, or null (event loop only). */
  private TransactionQueue transaction;

  ClientConnection(NettyRespServer server, long id) {
    this.server = server;
    this.id = id;
    this.decoder = RequestDecoder.of(server.config());
  }

  // Connection, for handlers.

  @Override
  public long id() {
    return id;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int protocolVersion() {
    return protocolVersion;
  }

  @Override
  public SocketAddress remoteAddress() {
    return context == null ? null : context.channel().remoteAddress();
  }

  @Override
  public Object attachment() {
    return attachment;
  }

  @Override
  public void attach(Object value) {
    attachment = value;
  }

  // State changed by connection commands.

  void protocolVersion(int version) {
    protocolVersion = version;
  }

  void name(String value) {
    name = value;
  }

  void libraryName(String value) {
    libraryName = value;
  }

  void libraryVersion(String value) {
    libraryVersion = value;
  }

  /** Restores the state of a new connection, for {@code RESET}. */
  void reset() {
    server.pubSub().unsubscribeAll(this);
    authenticateAs(server.config().accessControl().defaultUserNeedsNoPassword() ? AccessControl.DEFAULT_USER : null);
    protocolVersion = RespReplies.PROTOCOL_2;
    name = null;
    endTransaction();
    attachment = null;
  }

  /** Drops the open transaction, if any, and tells the handler to forget this connection's watched keys. */
  private void endTransaction() {
    transaction = null;
    server.handler().unwatchAll(this);
  }

  /** One line of {@code CLIENT LIST}/{@code CLIENT INFO}, in Redis's field order for the fields CalmDB has. */
  String describe() {
    long nowNanos = System.nanoTime();
    SocketAddress remote = remoteAddress();
    SocketAddress local = context == null ? null : context.channel().localAddress();
    String currentName = name;
    int channels;
    int patterns;
    synchronized (server.pubSub()) {
      channels = subscribedChannels.size();
      patterns = subscribedPatterns.size();
    }
    return "id=" + id + " addr=" + address(remote) + " laddr=" + address(local) + " name="
        + (currentName == null ? "" : currentName) + " age=" + (nowNanos - createdNanos) / 1_000_000_000L
        + " idle=" + (nowNanos - lastCommandNanos) / 1_000_000_000L + " flags=" + (channels + patterns > 0 ? "P" : "N") + " db=0 sub=" + channels + " psub=" + patterns
        + " ssub=0 multi=-1"
        + " cmd=" + lastCommandName + " user=" + (userName == null ? "default" : userName) + " resp=" + protocolVersion + " lib-name="
        + (libraryName == null ? "" : libraryName) + " lib-ver=" + (libraryVersion == null ? "" : libraryVersion)
        + "\n";
  }

  /** The client's address as {@code CLIENT LIST} prints it ({@code ip:port}). */
  String remoteAddressText() {
    return address(remoteAddress());
  }

  /** This end's address as {@code CLIENT LIST}'s {@code laddr} prints it. */
  String localAddressText() {
    return address(context == null ? null : context.channel().localAddress());
  }

  /** Seconds since the connection was accepted. */
  long ageSeconds() {
    return (System.nanoTime() - createdNanos) / 1_000_000_000L;
  }

  private static String address(SocketAddress address) {
    if (address instanceof java.net.InetSocketAddress inet) {
      return inet.getAddress().getHostAddress() + ":" + inet.getPort();
    }
    return String.valueOf(address);
  }

  // Netty events.

  @Override
  public void handlerAdded(ChannelHandlerContext handlerContext) {
    this.context = handlerContext;
  }

  @Override
  public void channelActive(ChannelHandlerContext handlerContext) {
    if (!server.register(this)) {
      closing = true;
      handlerContext.writeAndFlush(handlerContext.alloc().buffer().writeBytes(
          "-ERR max number of clients reached\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    registered = true;
    AccessControl access = server.config().accessControl();
    if (refusedByProtectedMode(server.config(), handlerContext.channel().remoteAddress())) {
      server.countProtectedModeRefusal();
      closeAfterRaw(handlerContext, PROTECTED_MODE_DENIED);
      return;
    }
    authenticateAs(access.defaultUserNeedsNoPassword() ? AccessControl.DEFAULT_USER : null);
    handlerContext.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext handlerContext, Object message) {
    ByteBuf input = (ByteBuf) message;
    server.commandStatistics().input(input.readableBytes());
    if (closing) {
      input.release();
      return;
    }
    cumulation = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(handlerContext.alloc(),
        cumulation == null ? handlerContext.alloc().buffer(0) : cumulation, input);
    if (!accountQueryBytes()) {
      return;
    }
    decodeAvailable();
    accountQueryBytes();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext handlerContext) {
    flushOutbound();
    if (cumulation != null) {
      if (!cumulation.isReadable()) {
        cumulation.release();
        cumulation = null;
      } else {
        cumulation.discardSomeReadBytes();
      }
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext handlerContext) {
    if (handlerContext.channel().isWritable()) {
      decodeAvailable();
      flushOutbound();
    }
    handlerContext.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext handlerContext) {
    closing = true;
    waiting.clear();
    releaseBuffers();
    server.queryBytes(-queryBytesAccounted);
    queryBytesAccounted = 0;
    endTransaction();
    server.pubSub().unsubscribeAll(this);
    if (registered) {
      server.unregister(this);
      registered = false;
    }
    handlerContext.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext handlerContext) {
    releaseBuffers();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext handlerContext, Throwable cause) {
    if (cause instanceof IOException) {
      LOG.debug("connection {} closed by I/O error: {}", id, cause.toString());
    } else {
      LOG.warn("connection {} failed; closing it", id, cause);
    }
    closing = true;
    handlerContext.close();
  }

  private void releaseBuffers() {
    if (cumulation != null) {
      cumulation.release();
      cumulation = null;
    }
    if (outbound != null) {
      outbound.release();
      outbound = null;
    }
  }

  // Decoding and dispatch.

  /** Decodes and dispatches buffered commands while the back-pressure bounds allow, then adjusts socket reading. */
  private void decodeAvailable() {
    if (decoding) {
      return;
    }
    decoding = true;
    try {
      while (!closing && cumulation != null && canAcceptCommand()) {
        byte[][] arguments;
        try {
          arguments = decoder.decode(cumulation);
        } catch (RespProtocolException protocolError) {
          server.countProtocolError();
          LOG.debug("connection {} sent a malformed request: {}", id, protocolError.getMessage());
          closeAfter(Reply.error(CommandErrors.protocolError(protocolError.getMessage())));
          break;
        }
        if (arguments == null) {
          break;
        }
        dispatch(arguments);
      }
    } finally {
      decoding = false;
    }
    adjustReading();
  }

  private boolean canAcceptCommand() {
    int pipelineCommandsMax = server.config().pipelineCommandsMax();
    int resumeBelow = readPaused ? Math.max(1, pipelineCommandsMax / 2) : pipelineCommandsMax;
    return waiting.size() < resumeBelow && context.channel().isWritable();
  }

  private void adjustReading() {
    boolean shouldRead = !closing && canAcceptCommand();
    if (shouldRead == !readPaused) {
      return;
    }
    readPaused = !shouldRead;
    context.channel().config().setAutoRead(shouldRead);
  }

  private void dispatch(byte[][] arguments) {
    server.countCommand();
    lastCommandNanos = System.nanoTime();
    if (looksLikeHttp(arguments)) {
      server.countSecurityAttack();
      LOG.warn("Possible SECURITY ATTACK detected: connection {} from {} sent an HTTP request ('{}') to the RESP "
          + "port, as a browser made to reach it by a web page would; connection closed without a reply",
          id, remoteAddressText(), new String(arguments[0], java.nio.charset.StandardCharsets.ISO_8859_1));
      closing = true;
      context.close();
      return;
    }
    // One table lookup per command: the access check and the dispatch below share it.
    CommandSpec spec = server.table().lookup(arguments[0]);
    Reply accessRefused = accessRefusal(spec, arguments);
    if (accessRefused != null) {
      if (transaction != null) {
        transaction.fail();
      }
      server.commandStatistics().error(accessRefused);
      enqueue(accessRefused);
      return;
    }
    if (transaction != null && !TransactionQueue.runsAtOnce(arguments[0])) {
      enqueue(transaction.queue(server.table(), arguments));
      return;
    }
    if (spec == null) {
      lastCommandName = "unknown";
      Reply unknown = Reply.error(CommandErrors.unknownCommand(arguments));
      server.commandStatistics().error(unknown);
      enqueue(unknown);
      return;
    }
    lastCommandName = spec.name();
    if (!spec.acceptsArgumentCount(arguments.length)) {
      Reply arity = Reply.error(CommandErrors.wrongArity(spec.name()));
      server.commandStatistics().rejected(spec.name(), arity);
      enqueue(arity);
      return;
    }
    String statisticsName = statisticsName(spec, arguments);
    long startedNanos = System.nanoTime();
    if (protocolVersion == RespReplies.PROTOCOL_2 && subscriptionCount() > 0
        && !ALLOWED_WHILE_SUBSCRIBED.contains(spec.name())) {
      Reply refused = Reply.error("ERR Can't execute '" + AccessControl.fullName(spec, arguments) + "': only (P|S)SUBSCRIBE / "
          + "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
      server.commandStatistics().rejected(statisticsName, refused);
      enqueue(refused);
      return;
    }
    if (ConnectionCommands.isConnectionCommand(spec.name())) {
      ConnectionCommands.Outcome outcome = ConnectionCommands.run(this, server, spec, arguments);
      server.commandStatistics().called(statisticsName, System.nanoTime() - startedNanos, outcome.reply());
      if (outcome.closeAfterReply()) {
        closeAfter(outcome.reply());
      } else {
        enqueue(outcome.reply());
      }
      return;
    }
    CompletionStage<Reply> stage;
    try {
      stage = TransactionQueue.isControl(spec.name()) || (transaction != null && spec.name().equals("watch"))
          ? transactionCommand(spec.name()) : server.handler().handle(this, Command.of(spec, arguments));
      if (stage == null) {
        throw new IllegalStateException("handler returned null for " + spec.name());
      }
    } catch (RuntimeException | Error failure) {
      Reply error = internalError(spec, failure);
      server.commandStatistics().called(statisticsName, System.nanoTime() - startedNanos, error);
      enqueue(error);
      return;
    }
    // The fast path needs no slot: a reply already complete, with nothing ahead of it, is written at once.
    if (stage instanceof CompletableFuture<Reply> future && future.isDone() && waiting.isEmpty()) {
      Reply reply = resultOf(spec, future);
      server.commandStatistics().called(statisticsName, System.nanoTime() - startedNanos, reply);
      write(reply, protocolVersion);
      return;
    }
    ReplySlot slot = new ReplySlot(protocolVersion);
    slot.statisticsName = statisticsName;
    slot.startedNanos = startedNanos;
    waiting.addLast(slot);
    stage.whenComplete((reply, failure) -> {
      if (context.executor().inEventLoop()) {
        complete(slot, spec, reply, failure);
      } else {
        completeLater(new Completion(slot, spec, reply, failure));
      }
    });
  }

  // ---- ACCESS CONTROL (issue 11)

  /** Redis's protected-mode refusal, worded for CalmDB's configuration file. */
  static final String PROTECTED_MODE_DENIED = "-DENIED CalmDB is running in protected mode because protected mode is "
      + "enabled and no password is set for the default user. In this mode connections are only accepted from the "
      + "loopback interface. If you want to connect from external computers to CalmDB you may adopt one of the "
      + "following solutions: 1) Set up an authentication password for the default user ('requirepass: PASSWORD' in "
      + "the node's YAML, or 'CONFIG SET requirepass PASSWORD' from the loopback interface), and use TLS. "
      + "2) Alternatively disable protected mode by setting 'protectedMode: false' in the node's YAML and restarting "
      + "the node, but MAKE SURE the node is not reachable from the internet if you do so. NOTE: You only need to do "
      + "one of the above things in order for the node to start accepting connections from the outside.\r\n";
  /** The first word of requests that only a browser or an HTTP client sends, lower case. */
  private static final java.util.Set<String> HTTP_WORDS = java.util.Set.of("post", "host:", "put", "options",
      "connect", "patch", "delete", "head", "user-agent:", "origin:", "content-type:");

  /** Authenticates this connection as {@code user}, or makes it unauthenticated with null. */
  void authenticateAs(String user) {
    userName = user;
    RespServerConfig config = server.config();
    if (user == null) {
      decoder.unauthenticatedBounds(config.preAuthBulkBytesMax(), config.preAuthArgumentsMax());
    } else {
      decoder.unauthenticatedBounds(0, 0);
    }
  }

  /** The user this connection authenticated as, or null. */
  @Override
  public String user() {
    return userName;
  }

  /** Whether protected mode refuses a client from {@code remote}: no password, and not on loopback. */
  static boolean refusedByProtectedMode(RespServerConfig config, SocketAddress remote) {
    return config.protectedMode() && config.accessControl().defaultUserNeedsNoPassword() && !isLoopback(remote);
  }

  private static boolean isLoopback(SocketAddress address) {
    if (address instanceof java.net.InetSocketAddress inet) {
      return inet.getAddress() != null && inet.getAddress().isLoopbackAddress();
    }
    // Local channels (in-JVM, Unix sockets) are not reachable from another machine.
    return true;
  }

  private static boolean looksLikeHttp(byte[][] arguments) {
    if (arguments[0].length > 16) {
      return false;
    }
    String word = new String(arguments[0], java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
    if (HTTP_WORDS.contains(word)) {
      return true;
    }
    // "GET /path HTTP/1.1" as an inline command: GET with a request line's shape.
    if (arguments.length == 3 && word.equals("get") && arguments[1].length > 0 && arguments[1][0] == '/') {
      String version = new String(arguments[2], java.nio.charset.StandardCharsets.ISO_8859_1);
      return version.startsWith("HTTP/");
    }
    return false;
  }

  /** Writes a raw line and closes, for refusals sent before any command is read. */
  private void closeAfterRaw(ChannelHandlerContext handlerContext, String line) {
    closing = true;
    handlerContext.writeAndFlush(handlerContext.alloc().buffer().writeBytes(
        line.getBytes(java.nio.charset.StandardCharsets.US_ASCII))).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Accounts this connection's buffered request bytes against the node-wide budget; returns false (after answering
   * with an error and closing) when the growth would pass it.
   */
  private boolean accountQueryBytes() {
    long held = (cumulation == null ? 0 : cumulation.readableBytes()) + decoder.argumentBytesHeld();
    long delta = held - queryBytesAccounted;
    if (delta == 0) {
      return true;
    }
    long total = server.queryBytes(delta);
    queryBytesAccounted = held;
    if (delta > 0 && total > server.config().queryBuffersBytesMax() && !closing) {
      server.countQueryBudgetDisconnection();
      LOG.warn("client {} from {} disconnected: the node's client query buffers would hold {} bytes, more than "
          + "queryBuffersBytesMax = {} bytes", id, remoteAddressText(), total, server.config().queryBuffersBytesMax());
      closeAfter(Reply.error("ERR the node's budget for partly received commands (queryBuffersBytesMax = "
          + server.config().queryBuffersBytesMax() + " bytes) is used up; closing this connection"));
      server.queryBytes(-queryBytesAccounted);
      queryBytesAccounted = 0;
      return false;
    }
    return true;
  }

  /** The refusal of a command this connection may not run yet or at all, or null when it may. */
  private Reply accessRefusal(CommandSpec spec, byte[][] arguments) {
    if (spec == null || !spec.acceptsArgumentCount(arguments.length)) {
      return null;
    }
    String user = userName;
    if (user == null) {
      return spec.flags().contains(CommandFlag.NO_AUTH) ? null : Reply.error("NOAUTH Authentication required.");
    }
    AccessControl.User current = server.config().accessControl().user(user);
    if (current == null || !current.enabled()) {
      // The user was deleted or disabled since this connection authenticated: Redis disconnects such clients.
      authenticateAs(null);
      return Reply.error("NOAUTH Authentication required.");
    }
    return current.refusal(spec, arguments);
  }

  // Pub/sub (issue 9).

  /** What a RESP2 connection with subscriptions may run, as in Redis: its replies would be mistaken for messages. */
  private static final java.util.Set<String> ALLOWED_WHILE_SUBSCRIBED = java.util.Set.of("subscribe", "psubscribe",
      "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "ping", "quit", "reset");
  /** Commands whose refusal names the subcommand too ({@code 'pubsub|numsub'}), as Redis's full names do. */
  /** The longest subcommand name counted as {@code container|subcommand}, in bytes; longer ones count as the container. */
  private static final int SUBCOMMAND_NAME_BYTES_MAX = 32;

  /** The name {@code INFO commandstats} counts a command under: {@code client|list} for a container's subcommand. */
  private static String statisticsName(CommandSpec spec, byte[][] arguments) {
    if (!AccessControl.CONTAINERS.contains(spec.name()) || arguments.length < 2 || arguments[1].length > SUBCOMMAND_NAME_BYTES_MAX) {
      return spec.name();
    }
    for (byte character : arguments[1]) {
      boolean letter = (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z');
      if (!letter && character != '-') {
        return spec.name();
      }
    }
    return AccessControl.fullName(spec, arguments);
  }

  /** How many channels and patterns this connection is subscribed to. */
  int subscriptionCount() {
    synchronized (server.pubSub()) {
      return subscribedChannels.size() + subscribedPatterns.size();
    }
  }

  /**
   * Writes a pub/sub frame of about {@code bytes} bytes, from any thread, in the order of the calls. A subscriber
   * whose unwritten output would pass {@link PubSubHub#outputBytesMax()} is disconnected instead, as Redis's
   * {@code client-output-buffer-limit pubsub} does, so a subscriber that stopped reading cannot exhaust memory.
   */
  void push(Reply frame, long bytes) {
    ChannelHandlerContext current = context;
    if (current == null || !current.channel().isActive()) {
      return;
    }
    if (current.executor().inEventLoop()) {
      pushNow(frame, bytes);
      return;
    }
    if (pushBytesQueued.addAndGet(bytes) > server.pubSub().outputBytesMax()) {
      // The event loop has not written what other threads handed it yet: the bound holds for that queue too.
      pushBytesQueued.addAndGet(-bytes);
      server.pubSub().countOutputLimitDisconnection();
      LOG.warn("client {} disconnected: more than {} bytes of pub/sub output wait for its event loop", id,
          server.pubSub().outputBytesMax());
      current.channel().close();
      return;
    }
    current.executor().execute(() -> {
      pushBytesQueued.addAndGet(-bytes);
      pushNow(frame, bytes);
    });
  }

  private void pushNow(Reply frame, long bytes) {
    if (closing || !context.channel().isActive()) {
      return;
    }
    io.netty.channel.ChannelOutboundBuffer socketBuffer = context.channel().unsafe().outboundBuffer();
    long pending = pushBytesQueued.get() + (outbound == null ? 0 : outbound.readableBytes())
        + (socketBuffer == null ? 0 : socketBuffer.totalPendingWriteBytes());
    if (pending + bytes > server.pubSub().outputBytesMax()) {
      closing = true;
      server.pubSub().countOutputLimitDisconnection();
      LOG.warn("client {} disconnected: {} bytes of pub/sub output wait to be written, past the limit of {} bytes",
          id, pending + bytes, server.pubSub().outputBytesMax());
      context.close();
      return;
    }
    write(frame, protocolVersion);
    scheduleFlush();
  }

  /** {@code MULTI}, {@code EXEC}, {@code DISCARD}, and {@code WATCH} inside a transaction (see TransactionQueue). */
  private CompletionStage<Reply> transactionCommand(String command) {
    switch (command) {
      case "multi" -> {
        if (transaction != null) {
          return CompletableFuture.completedFuture(Reply.error(TransactionQueue.NESTED));
        }
        transaction = new TransactionQueue();
        return CompletableFuture.completedFuture(Reply.ok());
      }
      case "discard" -> {
        if (transaction == null) {
          return CompletableFuture.completedFuture(Reply.error(TransactionQueue.DISCARD_WITHOUT_MULTI));
        }
        endTransaction();
        return CompletableFuture.completedFuture(Reply.ok());
      }
      case "watch" -> {
        return CompletableFuture.completedFuture(Reply.error(TransactionQueue.WATCH_INSIDE_MULTI));
      }
      default -> {
        return exec();
      }
    }
  }

  /**
   * Runs the queued transaction: the data commands through the handler as one unit, then the queued connection
   * commands (PING, ECHO, CLIENT ...), each reply in its queued place. Connection commands touch no data, so running
   * them after the unit changes nothing another client can see; they do not run when a watched key changed.
   */
  private CompletionStage<Reply> exec() {
    TransactionQueue ending = transaction;
    if (ending == null) {
      return CompletableFuture.completedFuture(Reply.error(TransactionQueue.EXEC_WITHOUT_MULTI));
    }
    transaction = null;
    if (ending.failed()) {
      server.handler().unwatchAll(this);
      return CompletableFuture.completedFuture(Reply.error(TransactionQueue.EXEC_ABORT));
    }
    List<Command> data = new ArrayList<>();
    for (TransactionQueue.Queued queued : ending.queued()) {
      if (!queued.connectionCommand()) {
        data.add(Command.of(queued.spec(), queued.arguments()));
      }
    }
    return server.handler().execute(this, data).thenApply(replies -> {
      if (replies == null) {
        return Reply.nilArray();
      }
      if (replies.size() != data.size()) {
        throw new IllegalStateException("the handler answered " + replies.size() + " replies to a transaction of "
            + data.size() + " commands");
      }
      List<Reply> answers = new ArrayList<>();
      int next = 0;
      for (TransactionQueue.Queued queued : ending.queued()) {
        answers.add(queued.connectionCommand()
            ? ConnectionCommands.run(this, server, queued.spec(), queued.arguments()).reply() : replies.get(next++));
      }
      return Reply.array(answers);
    });
  }

  private Reply resultOf(CommandSpec spec, CompletableFuture<Reply> future) {
    try {
      Reply reply = future.join();
      return reply == null ? internalError(spec, new IllegalStateException("handler completed with null")) : reply;
    } catch (CompletionException | java.util.concurrent.CancellationException failure) {
      return internalError(spec, failure.getCause() == null ? failure : failure.getCause());
    }
  }

  private Reply internalError(CommandSpec spec, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
        : failure;
    LOG.warn("handler failed on '{}' for connection {}", spec.name(), id, cause);
    String detail = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return Reply.error("ERR internal error: " + detail);
  }

  /** A reply that completed on another thread (the keyspace thread), waiting to be handed to the event loop. */
  private record Completion(ReplySlot slot, CommandSpec spec, Reply reply, Throwable failure) {}

  /**
   * Hands a completed reply to the event loop. Replies complete in groups (every write of one group commit at once),
   * so they queue here and one event-loop task takes all that arrived before it ran: one hand-off per group and
   * connection, not one per command.
   */
  private void completeLater(Completion completion) {
    completions.add(completion);
    if (completionDrainQueued.compareAndSet(false, true)) {
      context.executor().execute(drainCompletions);
    }
  }

  private void drainCompletions() {
    completionDrainQueued.set(false);
    if (!context.channel().isActive()) {
      completions.clear();
      return;
    }
    Completion completion;
    while ((completion = completions.poll()) != null) {
      completion.slot().reply = replyOf(completion.spec(), completion.reply(), completion.failure());
      completion.slot().counted(server.commandStatistics());
    }
    writeReadyPrefix();
    scheduleFlush();
    decodeAvailable();
  }

  private Reply replyOf(CommandSpec spec, Reply reply, Throwable failure) {
    return failure != null ? internalError(spec, failure)
        : reply != null ? reply : internalError(spec, new IllegalStateException("handler completed with null"));
  }

  private void complete(ReplySlot slot, CommandSpec spec, Reply reply, Throwable failure) {
    if (!context.channel().isActive()) {
      return;
    }
    slot.reply = failure != null ? internalError(spec, failure)
        : reply != null ? reply : internalError(spec, new IllegalStateException("handler completed with null"));
    slot.counted(server.commandStatistics());
    writeReadyPrefix();
    scheduleFlush();
    decodeAvailable();
  }

  /** Queues a reply that is ready now, behind any replies still waiting. */
  private void enqueue(Reply reply) {
    if (waiting.isEmpty()) {
      write(reply, protocolVersion);
    } else {
      ReplySlot slot = new ReplySlot(protocolVersion);
      slot.reply = reply;
      waiting.addLast(slot);
    }
  }

  /** Closes the connection now, from any thread (the server is stopping); unwritten replies are dropped. */
  void closeNow() {
    ChannelHandlerContext current = context;
    if (current != null) {
      current.channel().close();
    }
  }

  /** Stops decoding and queues a last reply after which the connection closes (protocol errors, QUIT). */
  private void closeAfter(Reply reply) {
    closing = true;
    ReplySlot slot = new ReplySlot(protocolVersion);
    slot.reply = reply;
    slot.closeAfterReply = true;
    waiting.addLast(slot);
    if (cumulation != null) {
      cumulation.release();
      cumulation = null;
    }
    writeReadyPrefix();
    scheduleFlush();
  }

  private void writeReadyPrefix() {
    ReplySlot head;
    while ((head = waiting.peekFirst()) != null && head.reply != null) {
      waiting.pollFirst();
      write(head.reply, head.protocolVersion);
      if (head.closeAfterReply) {
        ByteBuf last = outbound;
        outbound = null;
        waiting.clear();
        // Writes complete in order, so closing when this one completes sends every earlier reply first.
        context.writeAndFlush(last == null ? io.netty.buffer.Unpooled.EMPTY_BUFFER : last)
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
    }
  }

  private void write(Reply reply, int protocol) {
    if (!context.channel().isActive()) {
      return;
    }
    if (outbound == null) {
      outbound = context.alloc().ioBuffer();
    }
    int before = outbound.writerIndex();
    RespReplies.write(reply, outbound, protocol);
    server.commandStatistics().output(outbound.writerIndex() - before);
    if (outbound.readableBytes() >= OUTBOUND_FLUSH_BYTES) {
      // Hand large batches to the socket now, so its water marks see them and back-pressure can act.
      flushOutbound();
    }
  }

  private void scheduleFlush() {
    if (!flushPending) {
      flushPending = true;
      context.executor().execute(flushTask);
    }
  }

  private void flushScheduled() {
    flushPending = false;
    flushOutbound();
  }

  private void flushOutbound() {
    if (outbound != null) {
      ByteBuf ready = outbound;
      outbound = null;
      context.writeAndFlush(ready, context.voidPromise());
    }
  }

  /** A reply position in request order; {@code reply} is null until the command completes. */
  private static final class ReplySlot {
    final int protocolVersion;
    Reply reply;
    boolean closeAfterReply;
    /** The command's name in {@code INFO commandstats}, or null for a reply already counted. */
    String statisticsName;
    long startedNanos;

    void counted(CommandStatistics statistics) {
      if (statisticsName != null) {
        statistics.called(statisticsName, System.nanoTime() - startedNanos, reply);
        statisticsName = null;
      }
    }

    ReplySlot(int protocolVersion) {
      this.protocolVersion = protocolVersion;
    }
  }
}
