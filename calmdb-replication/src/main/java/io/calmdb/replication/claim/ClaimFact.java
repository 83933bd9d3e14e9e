package io.calmdb.replication.claim;

import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.CodecLimits;
import java.util.Objects;

/**
 * What the authority decided about one name, stored under a reserved key of the keyspace so that it replicates
 * like any write and every region can read it. Only the authority writes it, one decision after another, so the
 * newest write (by the authority's hybrid logical clock) is its latest decision everywhere.
 *
 * <p>A release does not delete the fact: it marks it released with the release's id, so a resent release is
 * recognised after a restart of the authority, and a resent claim is recognised by {@link #claimId}.
 *
 * @param claimId             the id of the accepted claim
 * @param owner               the owner it was accepted for
 * @param leaseDeadlineMillis when the hold ends on the authority's clock, 0 for never
 * @param decidedAtMillis     the authority's clock when it accepted
 * @param released            true once the owner released it
 * @param releaseId           the id of the release, empty while held
 */
public record ClaimFact(String claimId, Bytes owner, long leaseDeadlineMillis, long decidedAtMillis, boolean released,
        String releaseId) {
    private static final int VERSION = 1;
    /** The longest claim id, in bytes. */
    public static final int CLAIM_ID_BYTES_MAX = 256;

    public ClaimFact {
        Objects.requireNonNull(claimId, "claimId");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(releaseId, "releaseId");
    }

    /** True when the fact holds the name at {@code nowMillis} (not released, lease not run out). */
    public boolean holdsAt(long nowMillis) {
        return !released && (leaseDeadlineMillis == 0 || nowMillis < leaseDeadlineMillis);
    }

    public Bytes encode() {
        ByteWriter out = new ByteWriter();
        out.writeByte(VERSION);
        out.writeString(claimId);
        out.writeBytes(owner.toByteArray());
        out.writeVarLong(leaseDeadlineMillis);
        out.writeVarLong(decidedAtMillis);
        out.writeByte(released ? 1 : 0);
        out.writeString(releaseId);
        return Bytes.copyOf(out.toByteArray());
    }

    /**
     * Decodes a stored fact.
     *
     * @throws CodecException when the bytes are not one fact of a known version
     */
    public static ClaimFact decode(Bytes bytes) throws CodecException {
        ByteReader in = new ByteReader(bytes.toByteArray());
        int version = in.readByte();
        if (version != VERSION) {
            throw in.fail("unknown claim fact version " + version, 0);
        }
        ClaimFact fact = new ClaimFact(in.readString(CLAIM_ID_BYTES_MAX, "claim id"),
                Bytes.copyOf(in.readBytes(CodecLimits.VALUE_BYTES_MAX, "owner")), in.readVarLong(), in.readVarLong(),
                in.readByte() == 1, in.readString(CLAIM_ID_BYTES_MAX, "release id"));
        in.expectEnd();
        return fact;
    }
}
