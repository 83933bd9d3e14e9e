package io.calmdb.sim.experiment;

import io.calmdb.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.List;

/** Node names for experiments: zero-padded so that sorting by name matches numbering. */
final class Nodes {
    private Nodes() {}

    static List<ReplicaId> named(int count) {
        int width = String.valueOf(Math.max(0, count - 1)).length();
        List<ReplicaId> nodes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            nodes.add(ReplicaId.of("n" + String.format("%0" + width + "d", i)));
        }
        return List.copyOf(nodes);
    }
}
