package io.calmdb.replication.claim;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import java.util.Objects;

/**
 * The answer to a claim: a decision of the authority, or {@link Outcome#PENDING} while none has arrived. Only the
 * authority produces ACCEPTED, REJECTED, RELEASED and NOT_OWNER; a region that is not the authority only relays them.
 *
 * @param claimId             the claim's id, unique across regions and restarts
 * @param outcome             what was decided
 * @param owner               ACCEPTED: the claimant; REJECTED or NOT_OWNER: the current owner (empty when none is
 *                            known); otherwise empty
 * @param authority           the region that decided (for PENDING and UNKNOWN: the one that will)
 * @param epoch               the slot map's epoch of the decision
 * @param decidedAtMillis     the authority's clock at the decision, 0 when undecided
 * @param leaseDeadlineMillis when an ACCEPTED hold ends on the authority's clock, 0 for never
 * @param error               REFUSED: the error line; otherwise empty
 */
public record ClaimResult(String claimId, Outcome outcome, Bytes owner, ReplicaId authority, long epoch,
        long decidedAtMillis, long leaseDeadlineMillis, String error) {
    /** What a claim came to. */
    public enum Outcome {
        /** The authority gave the name to the claimant (or wrote the key claim's value). */
        ACCEPTED(1),
        /** Another owner holds the name (the key exists at the authority). */
        REJECTED(2),
        /** No decision reached this region in time; the claim stays in flight and its status can be asked later. */
        PENDING(3),
        /** The owner gave the name up. */
        RELEASED(4),
        /** A release by someone who does not hold the name. */
        NOT_OWNER(5),
        /** The id is not known here (never issued here, forgotten after a restart or once too old). */
        UNKNOWN(6),
        /** The request cannot be decided as asked (wrong type, keys with different authorities, too many pending). */
        REFUSED(7);

        private final int code;

        Outcome(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        /** The outcome with wire code {@code code}, or null. */
        public static Outcome ofCode(int code) {
            for (Outcome outcome : values()) {
                if (outcome.code == code) {
                    return outcome;
                }
            }
            return null;
        }

        /** True for the outcomes only the authority decides. */
        public boolean decided() {
            return this == ACCEPTED || this == REJECTED || this == RELEASED || this == NOT_OWNER;
        }
    }

    private static final Bytes NONE = Bytes.ofUtf8("");

    public ClaimResult {
        Objects.requireNonNull(claimId, "claimId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(error, "error");
    }

    /** An undecided answer (PENDING or UNKNOWN) naming the authority that will decide. */
    public static ClaimResult undecided(String claimId, Outcome outcome, ReplicaId authority, long epoch) {
        return new ClaimResult(claimId, outcome, NONE, authority, epoch, 0, 0, "");
    }

    /** A refusal with its error line. */
    public static ClaimResult refused(String claimId, ReplicaId authority, long epoch, String error) {
        return new ClaimResult(claimId, Outcome.REFUSED, NONE, authority, epoch, 0, 0, error);
    }
}
