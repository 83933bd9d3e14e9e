package io.calmdb.server.embedded;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A set of text members where a concurrent add wins over a remove (an add-wins OR-Set, Redis's set commands).
 * Obtained from {@link EmbeddedCalmDb#set}. Every method fails with {@link WrongTypeException} when the key holds
 * another type.
 */
public interface ReplicatedSet {
    /** The key this handle names. */
    String key();

    /** Adds members; completes with how many were new, once durable. */
    CompletableFuture<Integer> add(String... members);

    /** Removes the members this replica has seen; completes with how many were present, once durable. */
    CompletableFuture<Integer> remove(String... members);

    /** The members on this replica (empty when the key is absent). */
    CompletableFuture<Set<String>> members();

    /** Whether {@code member} is present on this replica. */
    CompletableFuture<Boolean> contains(String member);

    /** Deletes what this replica has seen of the key; completes with whether it existed, once durable. */
    CompletableFuture<Boolean> delete();
}
