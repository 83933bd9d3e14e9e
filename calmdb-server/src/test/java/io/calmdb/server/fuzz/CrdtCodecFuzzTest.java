package io.calmdb.server.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.calmdb.crdt.BoundedCounter;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalCounter;
import io.calmdb.crdt.CausalDecimalCounter;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.EnableWinsFlag;
import io.calmdb.crdt.GCounter;
import io.calmdb.crdt.LwwRegister;
import io.calmdb.crdt.MvRegister;
import io.calmdb.crdt.OrSet;
import io.calmdb.crdt.PNCounter;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.StateCodec;
import io.calmdb.crdt.ValueCodec;
import io.calmdb.replication.keyspace.Keyspace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes every CRDT codec and the keyspace's (issue 11): any bytes decode or raise {@link CodecException}, and
 * whatever decodes encodes back to bytes that decode to an equal encoding (the codec is deterministic). Decode
 * bounds (CodecLimits) keep allocation proportional to the input.
 */
public class CrdtCodecFuzzTest {
  private static final List<StateCodec<?>> CODECS = List.of(GCounter.codec(), PNCounter.codec(),
      LwwRegister.codec(ValueCodec.BYTES), MvRegister.codec(ValueCodec.BYTES), EnableWinsFlag.codec(),
      OrSet.codec(ValueCodec.BYTES), BoundedCounter.codec(), CausalCounter.codec(), CausalDecimalCounter.codec(),
      Keyspace.CODEC);

  @FuzzTest(maxDuration = "30m", maxExecutions = 1_000_000)
  void states(byte[] input) {
    for (StateCodec<?> codec : CODECS) {
      roundTrip(codec, input);
    }
  }

  private static <T> void roundTrip(StateCodec<T> codec, byte[] input) {
    T decoded;
    try {
      decoded = Codecs.decode(codec, input);
    } catch (CodecException expected) {
      return;
    }
    byte[] encoded = Codecs.encode(codec, decoded);
    byte[] again;
    try {
      again = Codecs.encode(codec, Codecs.decode(codec, encoded));
    } catch (CodecException e) {
      throw new AssertionError("a state this codec encoded does not decode: " + e.getMessage(), e);
    }
    if (!Arrays.equals(encoded, again)) {
      throw new AssertionError("encoding is not deterministic across a decode");
    }
  }

  /** Encoded states of each type, the seeds of the committed corpus. */
  public static List<byte[]> seeds() {
    ReplicaId a = ReplicaId.of("a");
    List<byte[]> seeds = new ArrayList<>();
    GCounter grow = new GCounter();
    grow.increment(a, 5);
    seeds.add(Codecs.encode(GCounter.codec(), grow));
    PNCounter both = new PNCounter();
    both.increment(a, 3);
    both.decrement(a, 1);
    seeds.add(Codecs.encode(PNCounter.codec(), both));
    Keyspace keyspace = new Keyspace(a);
    keyspace.set(Bytes.ofUtf8("k"), Bytes.ofUtf8("v"), 1);
    seeds.add(Codecs.encode(Keyspace.CODEC, keyspace.set(Bytes.ofUtf8("k2"), Bytes.ofUtf8("v2"), 2).delta()));
    return seeds;
  }
}
