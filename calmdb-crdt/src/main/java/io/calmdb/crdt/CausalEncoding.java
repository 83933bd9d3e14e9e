package io.calmdb.crdt;

/**
 * The encoding shared by causal types: a header varint {@code replicaCount * 2 + partialFlag}, then for each
 * replica of the context in id order its name, a varint {@code cloudSize * 2 + hasBase}, the contiguous base when
 * present, and the cloud as gaps.
 * Only a canonical (compacted) context can be written, so equal contexts give equal bytes, and the reader
 * rejects anything non-canonical so that decode followed by encode reproduces the input.
 */
final class CausalEncoding {
    private CausalEncoding() {}

    /** Most out-of-order dots recorded for one replica in one context. */
    static final int CLOUD_SIZE_MAX = CodecLimits.COLLECTION_SIZE_MAX;

    static void writeHeader(ByteWriter out, boolean partial, CausalContext context) {
        int replicas = context.replicaCount();
        out.writeVarLong((long) replicas * 2 + (partial ? 1 : 0));
        for (int i = 0; i < replicas; i++) {
            out.writeReplicaId(context.replicaAt(i));
            long base = context.baseAt(i);
            long[] cloud = context.cloudAt(i);
            int cloudSize = cloud == null ? 0 : cloud.length;
            // One varint says how many cloud dots follow and whether a contiguous base does: a one-dot delta's
            // context (no base, one cloud dot) costs a single byte here.
            out.writeVarLong((long) cloudSize * 2 + (base > 0 ? 1 : 0));
            if (base > 0) {
                out.writeVarLong(base);
            }
            if (cloud == null) {
                continue;
            }
            long previous = base + 1;
            for (long counter : cloud) {
                out.writeVarLong(counter - previous - 1);
                previous = counter;
            }
        }
    }

    /** The result of reading a header: the partial flag and the context. */
    record Header(boolean partial, CausalContext context) {}

    static Header readHeader(ByteReader in) throws CodecException {
        int at = in.position();
        long header = in.readVarLong(0, (long) CodecLimits.REPLICAS_MAX * 2 + 1, "context header");
        boolean partial = (header & 1) != 0;
        int replicas = (int) (header >>> 1);
        if (replicas * 3L > in.remaining()) {
            throw in.fail("context names " + replicas + " replicas but only " + in.remaining() + " bytes remain", at);
        }
        CausalContext context = new CausalContext();
        ReplicaId previousReplica = null;
        for (int i = 0; i < replicas; i++) {
            int replicaAt = in.position();
            ReplicaId replica = in.readReplicaId();
            if (previousReplica != null && replica.compareTo(previousReplica) <= 0) {
                throw in.fail("context replicas are not in strictly increasing order", replicaAt);
            }
            previousReplica = replica;
            long shape = in.readVarLong(0, (long) CLOUD_SIZE_MAX * 2 + 1, "context entry shape");
            long base = (shape & 1) == 0 ? 0 : in.readVarLong(1, Dot.COUNTER_MAX, "context base");
            int cloudSize = (int) (shape >>> 1);
            if (cloudSize > in.remaining()) {
                throw in.fail("context cloud of " + cloudSize + " dots needs more bytes than the " + in.remaining()
                        + " remaining", replicaAt);
            }
            if (base == 0 && cloudSize == 0) {
                throw in.fail("context entry for " + replica + " is empty (not canonical)", replicaAt);
            }
            context.addRange(replica, base);
            long previous = base + 1;
            for (int c = 0; c < cloudSize; c++) {
                long gap = in.readVarLong(0, Dot.COUNTER_MAX, "context cloud gap");
                long counter = previous + 1 + gap;
                if (counter > Dot.COUNTER_MAX || counter < previous) {
                    throw in.fail("context cloud counter exceeds " + Dot.COUNTER_MAX, replicaAt);
                }
                // The counters arrive sorted and each is new; buffering them keeps a large cloud's decode linear.
                context.addUnordered(replica, counter);
                previous = counter;
            }
        }
        context.settle();
        return new Header(partial, context);
    }
}
