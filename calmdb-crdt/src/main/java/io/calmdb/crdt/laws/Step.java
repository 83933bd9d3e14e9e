package io.calmdb.crdt.laws;

/**
 * One step of a case. A case is a list of steps plus an implicit final drain; because a step holds concrete
 * values (the operation, the event id, the replica indexes) rather than random choices, any sub-list of a case is
 * itself a valid case, which is what lets the shrinker delete steps freely.
 */
sealed interface Step<O> {
    /** Replica {@code replica} issues {@code operation}, which becomes event {@code eventId} if accepted. */
    record Operate<O>(int eventId, int replica, O operation) implements Step<O> {}

    /** The delta of event {@code eventId} arrives at replica {@code target}; a no-op if that event does not exist. */
    record Deliver<O>(int eventId, int target) implements Step<O> {}

    /** Replica {@code source} sends its whole state to replica {@code target} (anti-entropy). */
    record MergeState<O>(int source, int target) implements Step<O> {}
}
