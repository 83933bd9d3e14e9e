package io.calmdb.server.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns a node's keyspace and replication state machines. Client commands, peer messages and
 * timers all become tasks here, so the sans-IO cores never see concurrency, exactly as under the simulator.
 *
 * <p>The number of queued client tasks is bounded ({@link NodeConfig.Limits#keyspaceQueueTasksMax()}): past it a
 * command is refused with {@link Busy} rather than queued without limit. Internal tasks (peer messages, timers)
 * are not bounded here because their sources are bounded themselves (transport queues, a fixed set of timers).
 *
 * <p>Tasks run from a plain first-in first-out queue; timers live on a separate scheduler thread that only hands a
 * due timer's work to that queue. Every command and every durable completion passes through the queue, and a
 * scheduled executor's priority heap (an allocation and a logarithmic sift per task) cost about a tenth of this
 * thread's time under redis-benchmark; a timer that is still waiting in the queue is not handed over again, so a
 * saturated thread never accumulates ticks.
 */
final class KeyspaceThread implements AutoCloseable {
    /** Thrown (in a failed future) when the client task queue is full. */
    static final class Busy extends RejectedExecutionException {
        Busy(int bound) {
            super("BUSY the keyspace queue holds its maximum of " + bound + " commands; retry shortly");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(KeyspaceThread.class);

    private final ThreadPoolExecutor executor;
    private final ScheduledThreadPoolExecutor timers;
    private final int clientTasksMax;
    private final AtomicInteger clientTasksQueued = new AtomicInteger();
    private volatile Thread thread;

    KeyspaceThread(String name, int clientTasksMax) {
        this.clientTasksMax = clientTasksMax;
        // Unbounded: client tasks are bounded by clientTasksMax above, internal ones by their sources.
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        this.timers = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = new Thread(runnable, name + "-timers");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
    }

    /** Runs a client command's work on the keyspace thread; fails with {@link Busy} when the queue is full. */
    <T> CompletableFuture<T> submitClient(Supplier<CompletableFuture<T>> work) {
        if (clientTasksQueued.incrementAndGet() > clientTasksMax) {
            clientTasksQueued.decrementAndGet();
            return CompletableFuture.failedFuture(new Busy(clientTasksMax));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
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

    /** Runs internal work (a peer message, a storage completion) on the keyspace thread. */
    void execute(Runnable work) {
        try {
            executor.execute(() -> runLogged(work));
        } catch (RejectedExecutionException stopped) {
            // The node is shutting down; the work no longer matters.
        }
    }

    /** Runs {@code work} every {@code periodMillis} on the keyspace thread until closed or cancelled. */
    ScheduledFuture<?> every(long periodMillis, Runnable work) {
        AtomicBoolean queued = new AtomicBoolean();
        return timers.scheduleWithFixedDelay(() -> {
            if (queued.compareAndSet(false, true)) {
                execute(() -> {
                    queued.set(false);
                    work.run();
                });
            }
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code work} once on the keyspace thread after {@code delayMillis}. */
    ScheduledFuture<?> after(long delayMillis, Runnable work) {
        return timers.schedule(() -> execute(work), delayMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * A task that throws is logged and dropped, as the scheduled executor this replaced did, rather than replacing the
     * thread; an {@link Error} still propagates (the pool then starts a new thread, which keeps the order).
     */
    private static void runLogged(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException error) {
            LOG.error("a keyspace task failed", error);
        }
    }

    boolean isCurrentThread() {
        return Thread.currentThread() == thread;
    }

    int clientTasksQueued() {
        return clientTasksQueued.get();
    }

    /** Runs {@code work} on the keyspace thread and waits for it (for start-up, shutdown and tests). */
    <T> T call(Supplier<T> work) {
        if (isCurrentThread()) {
            return work.get();
        }
        CompletableFuture<T> result = CompletableFuture.supplyAsync(work, executor);
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the keyspace thread", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the keyspace thread did not answer within 30 s", e);
        }
    }

    @Override
    public void close() {
        timers.shutdownNow();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
