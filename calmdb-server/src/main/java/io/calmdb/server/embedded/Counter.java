package io.calmdb.server.embedded;

import java.util.concurrent.CompletableFuture;

/**
 * A counter that every region may change without coordination: increments and decrements made anywhere add up
 * (a PN-counter inside a Redis string, so {@code redis-cli GET} reads it too). Obtained from
 * {@link EmbeddedCalmDb#counter}.
 */
public interface Counter {
    /** The key this handle names. */
    String key();

    /**
     * Adds {@code amount} (negative to subtract) and completes with the new local value once the change is durable
     * under the node's fsync policy; it then replicates to the other regions.
     * Fails with {@link WrongTypeException} or, when the value is not an integer or would overflow,
     * {@link CalmDbException}.
     */
    CompletableFuture<Long> increment(long amount);

    /** The value on this replica (0 when absent). Fails with {@link CalmDbException} when it is not an integer. */
    CompletableFuture<Long> get();

    /** Deletes what this replica has seen of the key; completes with whether it existed, once durable. */
    CompletableFuture<Boolean> delete();
}
