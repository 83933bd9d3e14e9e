package io.calmdb.bench;

import io.calmdb.crdt.OrSet;
import io.calmdb.crdt.ReplicaId;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;

/** The inputs every OR-Set measurement shares, built the same way for CalmDB and for Pekko. */
final class SetFixtures {
    private SetFixtures() {}

    /** The elements {@code "element-0"} .. {@code "element-(count-1)"}, in that order. */
    static String[] elements(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, got " + count);
        }
        String[] elements = new String[count];
        for (int i = 0; i < count; i++) {
            elements[i] = "element-" + i;
        }
        return elements;
    }

    /** The replica that makes every CalmDB add. */
    static final ReplicaId REPLICA = ReplicaId.of("replica-0");

    /** A CalmDB OR-Set holding {@code elements}, all added by {@link #REPLICA}. */
    static OrSet<String> calmdbSet(String[] elements) {
        OrSet<String> set = new OrSet<>();
        for (String element : elements) {
            set.add(REPLICA, element);
        }
        return set;
    }

    /** A Pekko OR-Set holding {@code elements}, all added by {@code node}, with no pending delta. */
    static ORSet<String> pekkoSet(String[] elements, SelfUniqueAddress node) {
        ORSet<String> set = ORSet.create();
        for (String element : elements) {
            set = set.add(node, element).resetDelta();
        }
        return set;
    }
}
