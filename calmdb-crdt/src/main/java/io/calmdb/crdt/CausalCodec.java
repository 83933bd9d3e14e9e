package io.calmdb.crdt;

/** Frames a causal type as a standalone state: the shared header (partial flag and context), then the store. */
final class CausalCodec {
    private CausalCodec() {}

    static <V extends Crdt<V> & CausalValue<V>> StateCodec<V> of(CausalType<V> type) {
        return new StateCodec<>() {
            @Override
            public CrdtType type() {
                return type.crdtType();
            }

            @Override
            public void write(ByteWriter out, V state) {
                CausalEncoding.writeHeader(out, state.isPartial(), state.context());
                type.writeStore(out, state);
            }

            @Override
            public V read(ByteReader in) throws CodecException {
                CausalEncoding.Header header = CausalEncoding.readHeader(in);
                return type.readStore(in, header.context(), header.partial(), 0);
            }
        };
    }
}
