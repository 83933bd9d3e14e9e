package io.calmdb.bench;

import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrSet;
import io.calmdb.crdt.StateCodec;
import io.calmdb.crdt.ValueCodec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.info.GraphStats;

/**
 * The size figures of the comparison, measured once (they are deterministic, so JMH would add nothing): retained
 * heap bytes per OR-Set element, encoded bytes per element, and the encoded size of a one-add delta.
 *
 * <p><b>Heap method.</b> Both sets are built by adding the very same {@code String} objects. JOL's
 * {@link GraphStats} walks everything reachable from its roots and sums the sizes of distinct objects (by
 * identity). The structure's retained size is the size of the graph reachable from {set, shared} minus the size of
 * the graph reachable from {shared} alone, where shared is the element array and the adding replica's identity
 * object ({@code ReplicaId} for CalmDB, Pekko's {@code SelfUniqueAddress}). So the element strings (and their byte
 * arrays) and the caller's node identity are excluded for both systems, and everything else the structure holds
 * (tables, entries, dots, version vectors, its own copies of anything) is counted. The figure is then divided by
 * the element count. A one-add delta is measured the same way, with the one new element as the shared part.
 *
 * <p>It runs in its own JVM (see {@link BenchMain}) so that its heap and JVM flags do not depend on the launcher's.
 * Output: one {@code size.NAME=VALUE} line per figure on standard output.
 */
public final class SizeMeasurement {
    /** The prefix of every result line, so that the parent can ignore anything else a library prints. */
    static final String LINE_PREFIX = "size.";

    static {
        // JOL reads field offsets through sun.misc.Unsafe, which refuses the fields of records (ReplicaId is one)
        // unless JOL has its instrumentation agent; the "magic" offset reader works without it, for example in
        // the smoke test's JVM. Sizes are the same either way.
        if (System.getProperty("jol.magicFieldOffset") == null) {
            System.setProperty("jol.magicFieldOffset", "true");
        }
    }

    private SizeMeasurement() {}

    /**
     * Entry point of the child JVM: {@code SizeMeasurement ELEMENT_COUNT [--footprints]}. With {@code --footprints}
     * it first prints JOL's per-class footprint of a one-add delta on each system (the profile behind the delta
     * rows of the table).
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].equals("--footprints"))) {
            System.err.println("usage: SizeMeasurement ELEMENT_COUNT [--footprints]");
            System.exit(2);
        }
        int elementCount = Integer.parseInt(args[0]);
        if (args.length == 2) {
            printDeltaFootprints(elementCount);
        }
        for (Map.Entry<String, Double> figure : measure(elementCount).entrySet()) {
            System.out.println(LINE_PREFIX + figure.getKey() + "=" + figure.getValue());
        }
        System.out.flush();
        // The Pekko actor system is terminated by then; exit anyway in case a library left a non-daemon thread.
        System.exit(0);
    }

    /**
     * Measures every size figure for sets of {@code elementCount} elements. Keys (all doubles): {@code
     * heapBytesPerElement.calmdb|pekko}, {@code encodedBytesPerElement.calmdb|pekko|pekkoGzip}, {@code
     * deltaBytes.calmdb|pekko} (encoded) and {@code deltaHeapBytes.calmdb|pekko} (retained heap of the delta object).
     */
    static Map<String, Double> measure(int elementCount) {
        String[] elements = SetFixtures.elements(elementCount);
        String extraElement = "element-" + elementCount;
        Map<String, Double> figures = new LinkedHashMap<>();

        OrSet<String> calmdbSet = SetFixtures.calmdbSet(elements);
        figures.put("heapBytesPerElement.calmdb",
                structureBytes(calmdbSet, new Object[] {elements, SetFixtures.REPLICA}) / (double) elementCount);
        StateCodec<OrSet<String>> codec = OrSet.codec(ValueCodec.STRING);
        figures.put("encodedBytesPerElement.calmdb", Codecs.encode(codec, calmdbSet).length / (double) elementCount);
        // The delta of one add to the full set, framed as it would be shipped.
        OrSet<String> calmdbDelta = calmdbSet.add(SetFixtures.REPLICA, extraElement);
        figures.put("deltaBytes.calmdb", (double) Codecs.encode(codec, calmdbDelta).length);
        figures.put("deltaHeapBytes.calmdb",
                (double) structureBytes(calmdbDelta, new Object[] {extraElement, SetFixtures.REPLICA}));

        SelfUniqueAddress node = PekkoPeer.node(0);
        ORSet<String> pekkoSet = SetFixtures.pekkoSet(elements, node);
        figures.put("heapBytesPerElement.pekko",
                structureBytes(pekkoSet, new Object[] {elements, node}) / (double) elementCount);
        try (PekkoPeer.Serialization pekko = new PekkoPeer.Serialization()) {
            int protobufBytes = pekko.serializer().orsetToProto(pekkoSet).toByteArray().length;
            figures.put("encodedBytesPerElement.pekko", protobufBytes / (double) elementCount);
            figures.put("encodedBytesPerElement.pekkoGzip", pekko.toBinary(pekkoSet).length / (double) elementCount);
            // The delta of one add to the full set, encoded by Pekko's serializer (an AddDeltaOp is not gzipped).
            Object delta = pekkoSet.add(node, extraElement).delta().get();
            figures.put("deltaBytes.pekko", (double) pekko.toBinary(delta).length);
            figures.put("deltaHeapBytes.pekko", (double) structureBytes(delta, new Object[] {extraElement, node}));
        }
        return figures;
    }

    /** Prints JOL's class-by-class footprint of one add's delta to a set of {@code elementCount} elements. */
    private static void printDeltaFootprints(int elementCount) {
        String[] elements = SetFixtures.elements(elementCount);
        String extraElement = "element-" + elementCount;
        OrSet<String> calmdbDelta = SetFixtures.calmdbSet(elements).add(SetFixtures.REPLICA, extraElement);
        SelfUniqueAddress node = PekkoPeer.node(0);
        Object pekkoDelta = SetFixtures.pekkoSet(elements, node).add(node, extraElement).delta().get();
        System.out.println("# CalmDB one-add delta (includes the element string and the ReplicaId):");
        System.out.println(GraphLayout.parseInstance(calmdbDelta).toFootprint());
        System.out.println("# Pekko one-add delta (includes the element string and the node's UniqueAddress):");
        System.out.println(GraphLayout.parseInstance(pekkoDelta).toFootprint());
    }

    /**
     * Bytes reachable from {@code structure} that are not reachable from {@code shared} (the element strings and
     * the replica's identity, which an application holds anyway and which both systems reference alike).
     */
    static long structureBytes(Object structure, Object shared) {
        long sharedBytes = GraphStats.parseInstance(shared).totalSize();
        return GraphStats.parseInstance(structure, shared).totalSize() - sharedBytes;
    }
}
