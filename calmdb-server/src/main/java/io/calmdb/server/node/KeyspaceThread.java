package io.calmdb.server.node;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns a node's keyspace and replica core. Client commands, peer messages, storage completions
 * and timers all run here, so the core never sees concurrency, exactly as under the simulator.
 *
 * <p>The thread is a Netty event loop, and the RESP server serves its connections on the very same loop (as Redis
 * serves every client on its one thread): a command read from a socket runs at once, on the thread that read it,
 * and a reply that is ready (a read, or a write once durable) is written without a hand-off to another thread and
 * back. Work from other threads (peer messages from the transport's loops, storage completions, HTTP requests) is
 * queued to the loop.
 *
 * <p>Queued client work is bounded ({@link NodeConfig.Limits#keyspaceQueueTasksMax()}): past it a command is refused
 * with {@link Busy} rather than queued without limit. Commands run inline on the loop need no queue. Internal tasks
 * (peer messages, timers) are not bounded here because their sources are bounded themselves.
 */
final class KeyspaceThread implements AutoCloseable {
    /** Thrown (in a failed future) when the client task queue is full. */
    static final class Busy extends RejectedExecutionException {
        Busy(int bound) {
            super("BUSY the keyspace queue holds its maximum of " + bound + " commands; retry shortly");
        }
    }

    /** How long {@link #close} waits for queued work to finish, in milliseconds. */
    static final long CLOSE_TIMEOUT_MILLIS = 10_000;
    /** How long {@link #call} waits for the loop, in seconds. */
    static final long CALL_TIMEOUT_SECONDS = 30;
    /** The most failed tasks logged with their stack per {@link #FAILURE_LOG_WINDOW_NANOS}. */
    static final int FAILURES_LOGGED_PER_WINDOW_MAX = 10;
    /** The window {@link #FAILURES_LOGGED_PER_WINDOW_MAX} applies to, in nanoseconds (10 s). */
    static final long FAILURE_LOG_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final Logger LOG = LoggerFactory.getLogger(KeyspaceThread.class);

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final int clientTasksMax;
    private final AtomicInteger clientTasksQueued = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong tasksFailed = new java.util.concurrent.atomic.AtomicLong();
    // Rate limit of failure logging; touched only on the loop's thread.
    private long failureWindowStartNanos = System.nanoTime() - FAILURE_LOG_WINDOW_NANOS;
    private int failuresInWindow;
    private long failuresSuppressed;

    /** A keyspace thread on {@code group}, which must have exactly one thread; closing shuts the group down. */
    KeyspaceThread(EventLoopGroup group, int clientTasksMax) {
        this.group = group;
        this.loop = group.next();
        if (group.next() != loop) {
            throw new IllegalArgumentException("the keyspace thread's group must have exactly one event loop");
        }
        this.clientTasksMax = clientTasksMax;
    }

    /** The loop, for the RESP server to serve its connections on. */
    EventLoopGroup group() {
        return group;
    }

    /**
     * Runs a client command's work on the keyspace thread: at once when called on it (a RESP connection's own
     * thread), otherwise queued; fails with {@link Busy} when the queue is full.
     */
    <T> CompletableFuture<T> submitClient(Supplier<CompletableFuture<T>> work) {
        if (loop.inEventLoop()) {
            try {
                return work.get();
            } catch (Throwable error) {
                return CompletableFuture.failedFuture(error);
            }
        }
        if (clientTasksQueued.incrementAndGet() > clientTasksMax) {
            clientTasksQueued.decrementAndGet();
            return CompletableFuture.failedFuture(new Busy(clientTasksMax));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                clientTasksQueued.decrementAndGet();
                try {
                    work.get().whenComplete((value, error) -> {
                        if (error != null) {
                            result.completeExceptionally(error);
                        } else {
                            result.complete(value);
                        }
                    });
                } catch (Throwable error) {
                    result.completeExceptionally(error);
                }
            });
        } catch (RejectedExecutionException stopped) {
            clientTasksQueued.decrementAndGet();
            result.completeExceptionally(stopped);
        }
        return result;
    }

    /** Runs internal work (a peer message, a storage completion) on the keyspace thread, always queued. */
    void execute(Runnable work) {
        try {
            loop.execute(() -> runLogged(work));
        } catch (RejectedExecutionException stopped) {
            // The node is shutting down; the work no longer matters.
        }
    }

    /**
     * Runs {@code work} every {@code periodMillis} on the keyspace thread until closed or cancelled. A tick that finds
     * the loop still busy with the previous one is skipped, so a saturated loop never accumulates ticks.
     */
    ScheduledFuture<?> every(long periodMillis, Runnable work) {
        AtomicBoolean running = new AtomicBoolean();
        return loop.scheduleWithFixedDelay(() -> {
            if (running.compareAndSet(false, true)) {
                try {
                    runLogged(work);
                } finally {
                    running.set(false);
                }
            }
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code work} once on the keyspace thread after {@code delayMillis}. */
    ScheduledFuture<?> after(long delayMillis, Runnable work) {
        return loop.schedule(() -> runLogged(work), delayMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * A task that throws is logged and dropped; an {@link Error} propagates to the loop, which logs it too. A failure
     * that repeats (a timer's task fails every tick) is logged with its stack at most
     * {@link #FAILURES_LOGGED_PER_WINDOW_MAX} times per {@link #FAILURE_LOG_WINDOW_NANOS}, then counted.
     */
    private void runLogged(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException error) {
            tasksFailed.incrementAndGet();
            long now = System.nanoTime();
            if (now - failureWindowStartNanos >= FAILURE_LOG_WINDOW_NANOS) {
                if (failuresSuppressed > 0) {
                    LOG.error("{} more keyspace task failures were left out of the log in the last {} s",
                            failuresSuppressed, TimeUnit.NANOSECONDS.toSeconds(FAILURE_LOG_WINDOW_NANOS));
                }
                failureWindowStartNanos = now;
                failuresInWindow = 0;
                failuresSuppressed = 0;
            }
            if (failuresInWindow++ < FAILURES_LOGGED_PER_WINDOW_MAX) {
                LOG.error("a keyspace task failed", error);
            } else {
                failuresSuppressed++;
            }
        }
    }

    /** Tasks that threw since start (every one is counted, logged or not). */
    long tasksFailed() {
        return tasksFailed.get();
    }

    boolean isCurrentThread() {
        return loop.inEventLoop();
    }

    int clientTasksQueued() {
        return clientTasksQueued.get();
    }

    /** Runs {@code work} on the keyspace thread and waits for it (for start-up, shutdown and tests). */
    <T> T call(Supplier<T> work) {
        if (loop.inEventLoop()) {
            return work.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(work.get());
            } catch (Throwable error) {
                result.completeExceptionally(error);
            }
        });
        try {
            return result.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the keyspace thread", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the keyspace thread did not answer within " + CALL_TIMEOUT_SECONDS + " s",
                    e);
        }
    }

    /** Lets queued work finish (up to {@link #CLOSE_TIMEOUT_MILLIS}) and stops the thread. */
    @Override
    public void close() {
        if (!group.shutdownGracefully(0, CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(CLOSE_TIMEOUT_MILLIS + 1_000)) {
            LOG.warn("the keyspace thread did not stop within {} ms", CLOSE_TIMEOUT_MILLIS);
        }
    }
}
