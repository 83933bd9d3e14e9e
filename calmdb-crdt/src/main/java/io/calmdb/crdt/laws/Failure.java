package io.calmdb.crdt.laws;

/**
 * A law violation found while running one case: which law, what was observed, the index of the step at which it
 * was found (the number of steps when found in the final drain and end checks), and the exception if one was
 * thrown.
 */
record Failure(Law law, String detail, int stepIndex, Throwable cause) {
    /** True when {@code other} is the same kind of failure, so shrinking does not wander onto a different bug. */
    boolean sameKindAs(Failure other) {
        if (law != other.law) {
            return false;
        }
        if (cause == null || other.cause == null) {
            return cause == other.cause;
        }
        return cause.getClass() == other.cause.getClass();
    }
}
