package io.calmdb.server.embedded;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A map of text fields, each a last-writer-wins value with a counter on top (Redis's hash commands over an
 * OR-Map). Obtained from {@link EmbeddedCalmDb#map}. Every method fails with {@link WrongTypeException} when the
 * key holds another type.
 */
public interface ReplicatedMap {
    /** The key this handle names. */
    String key();

    /** Sets a field; completes with whether the field was new, once durable. */
    CompletableFuture<Boolean> put(String field, String value);

    /** The field's value on this replica, empty when absent. */
    CompletableFuture<Optional<String>> get(String field);

    /**
     * Adds {@code amount} to the integer in a field (0 when absent) and completes with the new value once
     * durable. Fails with {@link CalmDbException} when the field is not an integer or would overflow.
     */
    CompletableFuture<Long> increment(String field, long amount);

    /** Removes fields; completes with how many were present, once durable. */
    CompletableFuture<Integer> remove(String... fields);

    /** Every field and value on this replica (empty when the key is absent). */
    CompletableFuture<Map<String, String>> entries();

    /** Deletes what this replica has seen of the key; completes with whether it existed, once durable. */
    CompletableFuture<Boolean> delete();
}
