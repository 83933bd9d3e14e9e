package io.calmdb.replication.keyspace;

import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CausalType;
import io.calmdb.crdt.CausalValue;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Crdt;

/** Encoding helpers for values made of several causal parts sharing one context: each part is a flag byte and a store. */
final class Composite {
    private Composite() {}

    static <V extends Crdt<V> & CausalValue<V>> void writeNested(ByteWriter out, CausalType<V> type, V value) {
        out.writeByte(value.isPartial() ? 1 : 0);
        type.writeStore(out, value);
    }

    static <V extends Crdt<V> & CausalValue<V>> V readNested(ByteReader in, CausalType<V> type, CausalContext context,
                                                             int depth) throws CodecException {
        int at = in.position();
        int flag = in.readByte();
        if (flag > 1) {
            throw in.fail("invalid partial flag " + flag, at);
        }
        return type.readStore(in, context, flag == 1, depth + 1);
    }
}
