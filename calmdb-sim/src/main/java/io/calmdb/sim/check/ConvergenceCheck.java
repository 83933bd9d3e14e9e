package io.calmdb.sim.check;

import io.calmdb.crdt.Crdt;
import io.calmdb.crdt.ReplicaId;
import java.util.Map;

/**
 * Strong eventual consistency, observed: replicas that have received the same updates hold equal states. After a
 * run has healed and gone quiet, every correct replica's state must equal every other's, and, when an oracle state
 * is given (the merge of every update ever made), equal that too. Works for any {@link Crdt} with a value-based
 * {@code equals}.
 */
public final class ConvergenceCheck {
    private ConvergenceCheck() {}

    /** Checks that every state in {@code replicas} equals {@code expected} (or, if it is null, each other). */
    public static <T extends Crdt<T>> Violations check(Map<ReplicaId, T> replicas, T expected) {
        Violations.Collector violations = new Violations.Collector("convergence");
        T reference = expected;
        ReplicaId referenceName = null;
        for (Map.Entry<ReplicaId, T> entry : replicas.entrySet()) {
            if (reference == null) {
                reference = entry.getValue();
                referenceName = entry.getKey();
                continue;
            }
            if (!reference.equals(entry.getValue())) {
                violations.add(entry.getKey() + " holds " + entry.getValue() + " but "
                        + (referenceName == null ? "the oracle" : referenceName) + " holds " + reference);
            }
        }
        return violations.result();
    }
}
