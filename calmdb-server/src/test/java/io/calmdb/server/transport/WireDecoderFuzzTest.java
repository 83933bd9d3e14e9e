package io.calmdb.server.transport;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Dot;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.VersionVector;
import io.calmdb.replication.core.ReplicaCore;
import io.calmdb.replication.core.ReplicaCoreConfig;
import io.calmdb.replication.core.ReplicaEffects;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes what a peer's bytes go through (issue 11): the handshake and rejection decoders, the fragment assembler
 * and the replication message decoder. Each either decodes or throws its documented exception
 * ({@link IllegalArgumentException}); the assembler never holds more than its bound; and the replica core, given the
 * bytes as a peer's replication message, drops what is malformed without throwing.
 */
public class WireDecoderFuzzTest {
  private static final int MESSAGE_BYTES_MAX = 64 * 1024;

  @FuzzTest(maxDuration = "30m", maxExecutions = 1_000_000)
  void peerBytes(byte[] input) {
    try {
      WireProtocol.decodeHello(input);
    } catch (IllegalArgumentException expected) {
      // malformed handshake
    }
    try {
      WireProtocol.decodeReject(input);
    } catch (IllegalArgumentException expected) {
      // malformed rejection
    }
    MessageAssembler assembler = new MessageAssembler(MESSAGE_BYTES_MAX);
    int step = 1 + (input.length == 0 ? 0 : (input[0] & 0x3f));
    try {
      for (int offset = 0; offset < input.length; offset += step) {
        byte[] part = Arrays.copyOfRange(input, offset, Math.min(input.length, offset + step));
        if (!assembler.inProgress()) {
          assembler.start(part);
        } else {
          byte[] message = assembler.continuation(part);
          if (message != null && message.length > MESSAGE_BYTES_MAX) {
            throw new AssertionError("assembled " + message.length + " bytes");
          }
        }
        if (assembler.partialFilledBytes() > MESSAGE_BYTES_MAX) {
          throw new AssertionError("holds " + assembler.partialFilledBytes() + " bytes");
        }
      }
    } catch (IllegalArgumentException expected) {
      // a framing violation closes the link
    }
    // The replica core decodes and applies a peer's message; malformed ones are dropped and counted, so nothing
    // a peer sends may throw out of it.
    ReplicaCore core = new ReplicaCore(ReplicaCoreConfig.of(A, List.of(B), 1_000, 5_000), new Keyspace(A),
        VersionVector.empty(), SILENT);
    core.start(0);
    core.onMessage(B, input, 1);
  }

  private static final ReplicaId A = ReplicaId.of("a");
  private static final ReplicaId B = ReplicaId.of("b");

  /** Effects that go nowhere: the fuzz target only checks that the core neither throws nor hangs. */
  private static final ReplicaEffects SILENT = new ReplicaEffects() {
    @Override
    public boolean send(ReplicaId peer, byte[] message) {
      return true;
    }

    @Override
    public void appendLocal(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {}

    @Override
    public void appendRemote(Dot id, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {}

    @Override
    public void durableThrough(long sequence) {}

    @Override
    public void waitAnswered(long ticket, int replicas) {}

    @Override
    public void checkpointBegin() {}

    @Override
    public void checkpointState(Bytes key, byte[] encodedState) {}

    @Override
    public void checkpointCommit(io.calmdb.crdt.CausalContext context, VersionVector delivered) {}

    @Override
    public void note(String message) {}

    @Override
    public void appendLocalSynced(long sequence, OrMap<Bytes, KeyValue> delta, byte[] encodedDelta) {}

    @Override
    public void published(ReplicaId origin, byte[] channel, byte[] message) {}

    @Override
    public void quorumReadAnswered(long ticket, io.calmdb.replication.core.QuorumReadOutcome outcome) {}

    @Override
    public void boundedAnswered(long ticket, long sequence, long value, String error) {}

    @Override
    public void claimAnswered(long ticket, io.calmdb.replication.claim.ClaimResult result) {}
  };

  /** Handshakes and rejections as the transport writes them, the seeds of the committed corpus. */
  public static List<byte[]> seeds() {
    List<byte[]> seeds = new ArrayList<>();
    seeds.add(payload(WireProtocol.encodeHello(UnpooledByteBufAllocator.DEFAULT, WireProtocol.TYPE_HELLO, "shop",
        ReplicaId.of("virginia"), ReplicaId.of("tokyo"))));
    seeds.add(payload(WireProtocol.encodeReject(UnpooledByteBufAllocator.DEFAULT,
        WireProtocol.RejectReason.WRONG_CLUSTER, "refused")));
    return seeds;
  }

  private static byte[] payload(ByteBuf frame) {
    byte[] bytes = new byte[frame.readableBytes() - WireProtocol.LENGTH_FIELD_BYTES - 1];
    frame.getBytes(frame.readerIndex() + WireProtocol.LENGTH_FIELD_BYTES + 1, bytes);
    frame.release();
    return bytes;
  }
}
