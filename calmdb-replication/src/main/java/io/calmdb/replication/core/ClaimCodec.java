package io.calmdb.replication.core;

import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.CodecLimits;
import io.calmdb.replication.claim.ClaimFact;
import io.calmdb.replication.claim.ClaimRequest;
import io.calmdb.replication.claim.ClaimResult;
import java.util.ArrayList;
import java.util.List;

/** The wire form of the two claim messages (types 10 and 11), validated field by field on decode. */
final class ClaimCodec {
    private ClaimCodec() {}

    static void writeRequest(ByteWriter out, ReplicationMessage.ClaimRequestMessage message) {
        ClaimRequest request = message.request();
        out.writeString(message.claimId());
        out.writeVarLong(message.epoch());
        out.writeByte(request.kind().code());
        out.writeBytes(request.namespace().toByteArray());
        out.writeBytes(request.name().toByteArray());
        out.writeBytes(request.owner().toByteArray());
        out.writeVarLong(request.leaseMillis());
        out.writeVarLong(request.deadlineMillis());
        out.writeVarInt(request.fields().size());
        for (Bytes field : request.fields()) {
            out.writeBytes(field.toByteArray());
        }
    }

    static ReplicationMessage.ClaimRequestMessage readRequest(ByteReader in) throws CodecException {
        String claimId = in.readString(ClaimFact.CLAIM_ID_BYTES_MAX, "claim id");
        long epoch = in.readVarLong();
        int at = in.position();
        ClaimRequest.Kind kind = ClaimRequest.Kind.ofCode(in.readByte());
        if (kind == null) {
            throw in.fail("unknown claim kind", at);
        }
        Bytes namespace = Bytes.copyOf(in.readBytes(ClaimRequest.NAMESPACE_BYTES_MAX, "claim namespace"));
        Bytes name = bytes(in, "claim name");
        Bytes owner = bytes(in, "claim owner");
        long lease = in.readVarLong();
        long deadline = in.readVarLong();
        int count = in.readCount(2 * ClaimRequest.KEYS_MAX, 1, "claim field");
        List<Bytes> fields = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            fields.add(bytes(in, "claim field"));
        }
        try {
            return new ReplicationMessage.ClaimRequestMessage(claimId, epoch,
                    new ClaimRequest(kind, namespace, name, owner, lease, deadline, fields));
        } catch (IllegalArgumentException invalid) {
            throw in.fail("invalid claim request: " + invalid.getMessage(), at);
        }
    }

    static void writeDecision(ByteWriter out, ReplicationMessage.ClaimDecisionMessage message) {
        ClaimResult result = message.result();
        out.writeString(result.claimId());
        out.writeByte(result.outcome().code());
        out.writeBytes(result.owner().toByteArray());
        out.writeReplicaId(result.authority());
        out.writeVarLong(result.epoch());
        out.writeVarLong(result.decidedAtMillis());
        out.writeVarLong(result.leaseDeadlineMillis());
        out.writeString(result.error());
        out.writeVarLong(message.sequence());
    }

    static ReplicationMessage.ClaimDecisionMessage readDecision(ByteReader in) throws CodecException {
        String claimId = in.readString(ClaimFact.CLAIM_ID_BYTES_MAX, "claim id");
        int at = in.position();
        ClaimResult.Outcome outcome = ClaimResult.Outcome.ofCode(in.readByte());
        if (outcome == null) {
            throw in.fail("unknown claim outcome", at);
        }
        ClaimResult result = new ClaimResult(claimId, outcome, bytes(in, "claim owner"), in.readReplicaId(),
                in.readVarLong(), in.readVarLong(), in.readVarLong(), in.readString(64 * 1024, "claim error"));
        return new ReplicationMessage.ClaimDecisionMessage(result, in.readVarLong());
    }

    private static Bytes bytes(ByteReader in, String what) throws CodecException {
        return Bytes.copyOf(in.readBytes(CodecLimits.VALUE_BYTES_MAX, what));
    }
}
