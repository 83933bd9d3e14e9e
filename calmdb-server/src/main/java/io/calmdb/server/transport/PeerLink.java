package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Everything this node holds about one peer: the outbound queue and connection (this node's traffic to the
 * peer), the authenticated inbound connection (the peer's traffic to this node), and the counters.
 *
 * <p><b>Confinement.</b> The outbound state machine (state, channel, timers, backoff) is changed only on
 * {@link #loop}, the event loop the outbound channel is registered on, so it needs no locks; other threads only
 * read its volatile fields or submit tasks. The queue and counters are lock-free and shared with senders.
 *
 * <p><b>Large messages.</b> A message longer than one frame is written as consecutive fragment frames (see
 * {@link WireProtocol}), one frame per step of {@link #drain()}, so writability is honoured between frames and
 * a large message never makes Netty buffer more than one frame beyond the high water mark. The message being
 * written stays at the head of the link until its last frame is written, so no other message's frames come
 * between its frames. It still counts in the queue bounds until then. If its channel is lost part-way, the rest
 * is dropped, like any message handed to a socket that then breaks; the peer discards the partial message with
 * that connection.
 */
final class PeerLink {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
    /** Frames written per drain pass before yielding the event loop to other channels. */
    static final int DRAIN_BATCH_FRAMES_MAX = 1024;
    /** Refusals by {@link #send} are logged at most this often per link, each line with the count since the last. */
    static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);

    private record Pending(byte[] message, long enqueuedNanos) {
    }

    final ReplicaId peer;
    final PeerConfig config;
    final EventLoop loop;
    private final NettyPeerTransport transport;

    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedMessages = new AtomicLong();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong messagesSent = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();
    final AtomicLong messagesReceived = new AtomicLong();
    private final AtomicLong messagesRefused = new AtomicLong();
    private final AtomicLong messagesOversized = new AtomicLong();
    private final AtomicLong refusalsNotLogged = new AtomicLong();
    private final AtomicLong nextRefusalLogNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong connectAttempts = new AtomicLong();

    /** The authenticated inbound connection from the peer, at most one at a time. */
    final AtomicReference<Channel> inbound = new AtomicReference<>();

    private volatile LinkState state = LinkState.DOWN;
    private volatile Channel channel;
    private volatile String lastError;
    private volatile String lastInboundError;
    private volatile String lastRefusal;
    private volatile long oneWayLatencyNanos;
    /**
     * When either direction last went up or down ({@link System#nanoTime()}): both directions have kept their
     * current up/down state since then, which is what {@link LinkSnapshot#directionsSteadyFor()} reports.
     */
    private volatile long directionsChangedNanos = System.nanoTime();

    // Confined to the event loop.
    private ScheduledFuture<?> reconnectTask;
    private ScheduledFuture<?> delayedDrain;
    private int failedAttempts;
    /** The message whose frames are being written, taken off the queue, or null; see "Large messages" above. */
    private Pending writing;
    /** Bytes of {@link #writing} already written. */
    private int writingOffset;

    PeerLink(NettyPeerTransport transport, PeerConfig config, EventLoop loop) {
        this.transport = transport;
        this.config = config;
        this.peer = config.id();
        this.loop = loop;
        this.oneWayLatencyNanos = config.oneWayLatency().toNanos();
    }

    // ---- called from any thread ----

    boolean send(byte[] message) {
        if (transport.isClosed()) {
            // Not logged: every sender is refused while the node shuts down, and that is expected.
            messagesRefused.incrementAndGet();
            lastRefusal = "the transport is closed";
            return false;
        }
        TransportConfig limits = transport.config();
        if (message.length > limits.messageBytesMax()) {
            messagesOversized.incrementAndGet();
            refuse(Level.WARN, "a message of " + message.length + " bytes exceeds messageBytesMax "
                    + limits.messageBytesMax());
            return false;
        }
        long messages = queuedMessages.incrementAndGet();
        long bytes = queuedBytes.addAndGet(message.length);
        if (messages > limits.queueMessagesMax() || bytes > limits.queueBytesMax()) {
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-message.length);
            refuse(Level.INFO, "the queue is full for a message of " + message.length + " bytes ("
                    + (messages - 1) + " of queueMessagesMax " + limits.queueMessagesMax() + " messages, "
                    + (bytes - message.length) + " of queueBytesMax " + limits.queueBytesMax() + " bytes queued)");
            return false;
        }
        queue.add(new Pending(message, System.nanoTime()));
        if (state == LinkState.UP) {
            scheduleDrain();
        }
        return true;
    }

    /**
     * Counts a refusal and logs it, but at most once per {@link #REFUSAL_LOG_INTERVAL}: the causal stream retries
     * an unacknowledged message every few hundred milliseconds, and a line per retry once flooded the log. Each
     * line carries the number of refusals since the previous one; the snapshot has the exact counters.
     */
    private void refuse(Level level, String reason) {
        messagesRefused.incrementAndGet();
        lastRefusal = reason;
        refusalsNotLogged.incrementAndGet();
        long now = System.nanoTime();
        long next = nextRefusalLogNanos.get();
        if (now - next >= 0 && nextRefusalLogNanos.compareAndSet(next, now + REFUSAL_LOG_INTERVAL.toNanos())) {
            long count = refusalsNotLogged.getAndSet(0);
            LOG.atLevel(level).log(() -> transport.self() + ": refused " + count + " message(s) to " + peer
                    + " since the last such report (at most one per " + REFUSAL_LOG_INTERVAL.toSeconds()
                    + " s); the latest because " + reason);
        }
    }

    boolean isWritable() {
        Channel current = channel;
        return state == LinkState.UP && current != null && current.isWritable() && !transport.isPartitioned(peer);
    }

    void setOneWayLatency(Duration latency) {
        oneWayLatencyNanos = latency.toNanos();
        execute(() -> {
            cancelDelayedDrain();
            drain();
        });
    }

    /** The inbound connection was registered or cleared: the inbound direction may have gone up or down. */
    void onInboundChanged() {
        directionsChangedNanos = System.nanoTime();
    }

    void recordInboundError(String reason) {
        lastInboundError = reason;
    }

    LinkSnapshot snapshot() {
        Channel current = channel;
        // The partition flag is set before the event loop applies it, and it already stops every write and
        // delivery, so it is reported at once.
        LinkState reported = state != LinkState.CLOSED && transport.isPartitioned(peer) ? LinkState.PARTITIONED : state;
        return new LinkSnapshot(peer, config.host() + ":" + config.port(), reported,
                inbound.get() != null, isWritable(),
                Optional.ofNullable(lastError), Optional.ofNullable(lastInboundError),
                bytesSent.get(), messagesSent.get(), bytesReceived.get(),
                messagesReceived.get(), queuedMessages.get(), queuedBytes.get(), messagesRefused.get(),
                messagesOversized.get(), Optional.ofNullable(lastRefusal), connectAttempts.get(),
                Duration.ofNanos(oneWayLatencyNanos), Duration.ofNanos(System.nanoTime() - directionsChangedNanos));
    }

    void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException shuttingDown) {
            // The transport is closing and its loops no longer accept work; there is nothing left to do.
        }
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            execute(this::drain);
        }
    }

    // ---- called on the event loop only ----

    void connect() {
        assert loop.inEventLoop();
        reconnectTask = null;
        if (transport.isClosed() || transport.isPartitioned(peer) || channel != null) {
            return;
        }
        changeState(LinkState.CONNECTING);
        connectAttempts.incrementAndGet();
        Bootstrap bootstrap = transport.outboundBootstrap(this);
        ChannelFuture connecting = bootstrap.connect(config.host(), config.port());
        channel = connecting.channel();
        connecting.addListener((ChannelFuture future) -> {
            if (!future.isSuccess()) {
                onChannelLost(future.channel(), "connect to " + config.host() + ":" + config.port()
                        + " failed: " + describe(future.cause()));
            }
        });
    }

    void onHandshakeComplete(Channel handshaken) {
        assert loop.inEventLoop();
        if (handshaken != channel) {
            return;
        }
        failedAttempts = 0;
        LOG.atInfo().log(() -> transport.self() + ": link to " + peer + " is up");
        changeState(LinkState.UP);
        drain();
    }

    /** The outbound channel closed or failed; {@code reason} is logged and kept as the last error. */
    void onChannelLost(Channel lost, String reason) {
        assert loop.inEventLoop();
        if (lost != channel) {
            return;
        }
        channel = null;
        cancelDelayedDrain();
        abandonPartialMessage(Objects.requireNonNullElse(reason, "its connection closed"));
        if (reason != null) {
            Level level = reason.equals(lastError) ? Level.DEBUG : Level.WARN;
            LOG.atLevel(level).log(() -> transport.self() + ": link to " + peer + " lost: " + reason);
            lastError = reason;
        }
        if (transport.isClosed()) {
            changeState(LinkState.CLOSED);
        } else if (transport.isPartitioned(peer)) {
            changeState(LinkState.PARTITIONED);
        } else {
            changeState(LinkState.DOWN);
            scheduleReconnect();
        }
    }

    /** The peer just dialed us successfully, so it is reachable: skip the rest of the backoff delay. */
    void onPeerReachable() {
        assert loop.inEventLoop();
        if (state == LinkState.DOWN && reconnectTask != null) {
            reconnectTask.cancel(false);
            connect();
        }
    }

    void partition() {
        assert loop.inEventLoop();
        cancelReconnect();
        cancelDelayedDrain();
        // The close below reaches onChannelLost only after the channel was forgotten, so the partial goes here.
        abandonPartialMessage("partitioned administratively");
        Channel current = channel;
        channel = null;
        if (current != null) {
            current.close();
        }
        if (state != LinkState.CLOSED) {
            lastError = "partitioned administratively";
            changeState(LinkState.PARTITIONED);
        }
    }

    void heal() {
        assert loop.inEventLoop();
        if (state == LinkState.PARTITIONED) {
            failedAttempts = 0;
            changeState(LinkState.DOWN);
            connect();
        }
    }

    void shutdown() {
        assert loop.inEventLoop();
        cancelReconnect();
        cancelDelayedDrain();
        Channel current = channel;
        channel = null;
        if (current != null) {
            current.close();
        }
        changeState(LinkState.CLOSED);
        writing = null;
        writingOffset = 0;
        queue.clear();
        queuedMessages.set(0);
        queuedBytes.set(0);
    }

    /**
     * Drops the message whose frames were part-written on a channel that is gone: its remaining frames cannot
     * follow on a new connection, because the peer discarded the partial message with the old one.
     */
    private void abandonPartialMessage(String reason) {
        Pending abandoned = writing;
        if (abandoned == null) {
            return;
        }
        int written = writingOffset;
        writing = null;
        writingOffset = 0;
        queuedMessages.decrementAndGet();
        queuedBytes.addAndGet(-abandoned.message().length);
        LOG.atInfo().log(() -> transport.self() + ": dropped a message of " + abandoned.message().length
                + " bytes to " + peer + " after " + written + " bytes were written, because " + reason);
    }

    /**
     * Moves queued messages into the channel, a frame at a time, while it is writable and their injected latency
     * has elapsed. Writing stops at the high water mark; {@code channelWritabilityChanged} calls this again once
     * Netty's buffer drained below the low water mark. The head-of-line check keeps FIFO order under any latency,
     * and a message's frames are all written before the next message is taken, so frames never interleave.
     */
    void drain() {
        assert loop.inEventLoop();
        drainScheduled.set(false);
        Channel current = channel;
        // The partition check covers a drain that was queued before partition() and runs before its task.
        if (state != LinkState.UP || current == null || !current.isActive() || transport.isPartitioned(peer)) {
            return;
        }
        int frameBytesMax = transport.config().frameBytesMax();
        long latencyNanos = oneWayLatencyNanos;
        long now = System.nanoTime();
        int written = 0;
        while (current.isWritable() && written < DRAIN_BATCH_FRAMES_MAX) {
            if (writing == null) {
                Pending head = queue.peek();
                if (head == null) {
                    break;
                }
                long waitNanos = head.enqueuedNanos() + latencyNanos - now;
                if (latencyNanos > 0 && waitNanos > 0) {
                    if (delayedDrain == null) {
                        delayedDrain = loop.schedule(() -> {
                            delayedDrain = null;
                            drain();
                        }, waitNanos, TimeUnit.NANOSECONDS);
                    }
                    break;
                }
                writing = queue.poll();
                writingOffset = 0;
            }
            writeNextFrame(current, frameBytesMax);
            written++;
        }
        if (written > 0) {
            current.flush();
        }
        if (written == DRAIN_BATCH_FRAMES_MAX) {
            scheduleDrain();
        }
    }

    /** Writes the next frame of {@link #writing}; once its last frame is written the message leaves the queue. */
    private void writeNextFrame(Channel current, int frameBytesMax) {
        byte[] message = writing.message();
        int content = WireProtocol.frameContentBytes(message.length, writingOffset, frameBytesMax);
        ByteBuf frame = WireProtocol.encodeMessageFrame(current.alloc(), message, writingOffset, frameBytesMax);
        int frameBytes = frame.readableBytes();
        current.write(frame, current.voidPromise());
        bytesSent.addAndGet(frameBytes);
        writingOffset += content;
        if (writingOffset > message.length) {
            throw new IllegalStateException("wrote " + writingOffset + " bytes of a message of " + message.length);
        }
        if (writingOffset == message.length) {
            writing = null;
            writingOffset = 0;
            queuedMessages.decrementAndGet();
            queuedBytes.addAndGet(-message.length);
            messagesSent.incrementAndGet();
        }
    }

    private void scheduleReconnect() {
        long delayNanos = transport.backoffNanos(failedAttempts);
        failedAttempts = Math.min(failedAttempts + 1, 62);
        reconnectTask = loop.schedule(this::connect, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelReconnect() {
        if (reconnectTask != null) {
            reconnectTask.cancel(false);
            reconnectTask = null;
        }
    }

    private void cancelDelayedDrain() {
        if (delayedDrain != null) {
            delayedDrain.cancel(false);
            delayedDrain = null;
        }
    }

    private void changeState(LinkState next) {
        if (state != next) {
            if ((state == LinkState.UP) != (next == LinkState.UP)) {
                directionsChangedNanos = System.nanoTime();
            }
            state = next;
            transport.notifyStateChanged(peer, next);
        }
    }

    static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown cause";
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = Objects.requireNonNullElse(root.getMessage(), "");
        return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
}
