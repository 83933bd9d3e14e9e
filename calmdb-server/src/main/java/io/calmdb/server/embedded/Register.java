package io.calmdb.server.embedded;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A text value where the last writer wins, ordered by hybrid logical clock (a Redis string). Obtained from
 * {@link EmbeddedCalmDb#register}.
 */
public interface Register {
    /** The key this handle names. */
    String key();

    /** Replaces the value, whatever type the key held, and completes once durable. */
    CompletableFuture<Void> set(String value);

    /** The value on this replica, empty when absent. Fails with {@link WrongTypeException} for a set or map. */
    CompletableFuture<Optional<String>> get();

    /** Deletes what this replica has seen of the key; completes with whether it existed, once durable. */
    CompletableFuture<Boolean> delete();
}
