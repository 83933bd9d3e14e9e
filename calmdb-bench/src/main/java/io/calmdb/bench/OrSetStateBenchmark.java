package io.calmdb.bench;

import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrSet;
import io.calmdb.crdt.StateCodec;
import io.calmdb.crdt.ValueCodec;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.protobuf.msg.ReplicatedDataMessages;
import org.apache.pekko.protobufv3.internal.InvalidProtocolBufferException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Whole-state operations on an OR-Set of {@link #elementCount} elements, on CalmDB and on Pekko: merging it into an
 * empty replica, encoding it, and decoding it. The score is milliseconds per operation on the whole set.
 *
 * <p>The merge source is a decoded copy of the set, not the set that the adds built, so that neither side can take
 * an identity shortcut (Pekko's merge returns at once when one side is the other's recorded ancestor).
 *
 * <p>Pekko's serializer gzips a full ORSet ({@code toBinary}); the plain protobuf path ({@code orsetToProto} /
 * {@code orsetFromProto}) is measured as well, so that the comparison does not hinge on gzip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class OrSetStateBenchmark {
    /** Elements in the set every operation works on. */
    @Param("1000000")
    public int elementCount;

    private final StateCodec<OrSet<String>> codec = OrSet.codec(ValueCodec.STRING);
    private OrSet<String> calmdbSet;
    private OrSet<String> calmdbDecoded;
    private byte[] calmdbBytes;

    private PekkoPeer.Serialization pekko;
    private ORSet<String> pekkoSet;
    private ORSet<String> pekkoDecoded;
    private byte[] pekkoBytes;
    private byte[] pekkoProtobufBytes;

    @Setup(Level.Trial)
    public void buildSets() throws Exception {
        String[] elements = SetFixtures.elements(elementCount);
        calmdbSet = SetFixtures.calmdbSet(elements);
        calmdbBytes = Codecs.encode(codec, calmdbSet);
        calmdbDecoded = Codecs.decode(codec, calmdbBytes);
        requireEqual(calmdbDecoded, calmdbSet, "CalmDB decode");

        pekko = new PekkoPeer.Serialization();
        pekkoSet = SetFixtures.pekkoSet(elements, PekkoPeer.node(0));
        pekkoBytes = pekko.toBinary(pekkoSet);
        pekkoProtobufBytes = pekko.serializer().orsetToProto(pekkoSet).toByteArray();
        @SuppressWarnings("unchecked")
        ORSet<String> decoded = (ORSet<String>) pekko.fromBinary(pekkoBytes, pekkoSet);
        pekkoDecoded = decoded;
        requireEqual(pekkoDecoded, pekkoSet, "Pekko decode");
    }

    @TearDown(Level.Trial)
    public void closePekko() {
        if (pekko != null) {
            pekko.close();
        }
    }

    /** Returns the merged replica, which must equal the source. */
    @Benchmark
    public OrSet<String> calmdbMergeIntoEmpty() {
        return new OrSet<String>().merge(calmdbDecoded);
    }

    @Benchmark
    public byte[] calmdbEncode() {
        return Codecs.encode(codec, calmdbSet);
    }

    @Benchmark
    public OrSet<String> calmdbDecode() throws CodecException {
        return Codecs.decode(codec, calmdbBytes);
    }

    /** Returns the merged replica, which must equal the source. */
    @Benchmark
    public ORSet<String> pekkoMergeIntoEmpty() {
        ORSet<String> empty = ORSet.create();
        return empty.merge(pekkoDecoded);
    }

    /** Pekko's serializer as used on the wire: protobuf, then gzip. */
    @Benchmark
    public byte[] pekkoEncode() {
        return pekko.toBinary(pekkoSet);
    }

    /** Pekko's serializer as used on the wire: gunzip, then protobuf. */
    @Benchmark
    public Object pekkoDecode() {
        return pekko.fromBinary(pekkoBytes, pekkoSet);
    }

    /** Pekko's protobuf encoding without the gzip step. */
    @Benchmark
    public byte[] pekkoEncodeProtobufOnly() {
        return pekko.serializer().orsetToProto(pekkoSet).toByteArray();
    }

    /** Pekko's protobuf decoding without the gunzip step. */
    @Benchmark
    public Object pekkoDecodeProtobufOnly() throws InvalidProtocolBufferException {
        return pekko.serializer().orsetFromProto(ReplicatedDataMessages.ORSet.parseFrom(pekkoProtobufBytes));
    }

    /** The set the adds built, for the smoke test to compare results with. */
    OrSet<String> calmdbOriginal() {
        return calmdbSet;
    }

    static void requireEqual(Object actual, Object expected, String what) {
        if (!actual.equals(expected)) {
            throw new IllegalStateException(what + " did not reproduce the original set");
        }
    }
}
