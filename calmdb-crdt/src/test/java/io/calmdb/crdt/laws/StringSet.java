package io.calmdb.crdt.laws;

import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Crdt;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A grow-only set of strings written for the kit's own tests, with switches that break it on purpose: a merge
 * where the incoming state replaces this one (last writer takes all: not commutative), and an encoding in
 * insertion order (equal sets built in different orders encode differently).
 */
final class StringSet implements Crdt<StringSet> {
    enum Merge { UNION, REPLACE_WITH_OTHER }

    enum Encoding { SORTED, INSERTION_ORDER }

    private final Merge merge;
    private final Encoding encoding;
    private final Set<String> elements = new LinkedHashSet<>();

    StringSet(Merge merge, Encoding encoding) {
        this.merge = merge;
        this.encoding = encoding;
    }

    StringSet add(String element) {
        elements.add(element);
        StringSet delta = new StringSet(merge, encoding);
        delta.elements.add(element);
        return delta;
    }

    Set<String> value() {
        return Set.copyOf(elements);
    }

    @Override
    public StringSet merge(StringSet other) {
        if (merge == Merge.REPLACE_WITH_OTHER) {
            elements.clear();
        }
        elements.addAll(other.elements);
        return this;
    }

    @Override
    public StringSet copy() {
        StringSet copy = new StringSet(merge, encoding);
        copy.elements.addAll(elements);
        return copy;
    }

    byte[] encode() {
        ByteWriter out = new ByteWriter();
        out.writeVarInt(elements.size());
        for (String element : encoding == Encoding.SORTED ? new TreeSet<>(elements) : elements) {
            out.writeString(element);
        }
        return out.toByteArray();
    }

    static StringSet decode(byte[] bytes, Merge merge, Encoding encoding) throws CodecException {
        ByteReader in = new ByteReader(bytes);
        StringSet set = new StringSet(merge, encoding);
        int count = in.readCount(1_000, 1, "element");
        for (int i = 0; i < count; i++) {
            set.elements.add(in.readString(1_000, "element"));
        }
        in.expectEnd();
        return set;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StringSet set && set.elements.equals(elements);
    }

    @Override
    public int hashCode() {
        return elements.hashCode();
    }

    @Override
    public String toString() {
        return "StringSet" + elements;
    }
}
