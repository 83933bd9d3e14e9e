package io.calmdb.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.ReplicaId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The handshake and rejection codecs: round trips, and strictness against truncation and trailing bytes. */
class WireProtocolTest {
    private static final ReplicaId TOKYO = ReplicaId.of("tokyo");
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");

    private static byte[] payloadOf(ByteBuf frame) {
        int length = frame.readInt();
        frame.readByte();
        byte[] payload = new byte[length - 1];
        frame.readBytes(payload);
        frame.release();
        return payload;
    }

    @Test
    void hello_roundTrips_andFitsTheHandshakeFrameBound() {
        ByteBuf frame = WireProtocol.encodeHello(UnpooledByteBufAllocator.DEFAULT, WireProtocol.TYPE_HELLO,
                "c".repeat(TransportConfig.CLUSTER_NAME_LENGTH_MAX), ReplicaId.of("s".repeat(64)), TOKYO);
        assertThat(frame.getInt(0)).isLessThanOrEqualTo(WireProtocol.HANDSHAKE_FRAME_BYTES_MAX);
        WireProtocol.Hello hello = WireProtocol.decodeHello(payloadOf(frame));
        assertThat(hello.magic()).isEqualTo(WireProtocol.MAGIC);
        assertThat(hello.version()).isEqualTo(WireProtocol.PROTOCOL_VERSION);
        assertThat(hello.sender()).isEqualTo(ReplicaId.of("s".repeat(64)));
        assertThat(hello.recipient()).isEqualTo(TOKYO);
    }

    @Test
    void decodeHello_rejectsTruncatedAndTrailingBytes() {
        byte[] payload = payloadOf(WireProtocol.encodeHello(UnpooledByteBufAllocator.DEFAULT,
                WireProtocol.TYPE_HELLO, "cluster", VIRGINIA, TOKYO));
        for (int length = 0; length < payload.length; length++) {
            byte[] truncated = Arrays.copyOf(payload, length);
            assertThatThrownBy(() -> WireProtocol.decodeHello(truncated))
                    .as("truncated to %d bytes", length).isInstanceOf(IllegalArgumentException.class);
        }
        byte[] trailing = Arrays.copyOf(payload, payload.length + 1);
        assertThatThrownBy(() -> WireProtocol.decodeHello(trailing))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a 16-byte nonce");
    }

    @Test
    void reject_roundTrips_andTruncatesLongReasons() {
        byte[] payload = payloadOf(WireProtocol.encodeReject(UnpooledByteBufAllocator.DEFAULT,
                WireProtocol.RejectReason.WRONG_CLUSTER, "x".repeat(2000)));
        WireProtocol.Reject reject = WireProtocol.decodeReject(payload);
        assertThat(reject.reason()).isEqualTo(WireProtocol.RejectReason.WRONG_CLUSTER);
        assertThat(reject.text()).hasSize(WireProtocol.REJECT_REASON_BYTES_MAX);
    }

    @Test
    void dataFrame_addsFiveBytesToTheMessage() {
        ByteBuf frame = WireProtocol.encodeData(UnpooledByteBufAllocator.DEFAULT, new byte[37]);
        assertThat(frame.readableBytes()).isEqualTo(WireProtocol.dataFrameBytes(37)).isEqualTo(42);
        frame.release();
    }

    @Test
    void aMessageLongerThanAFrame_isSplitIntoAStartAndContinuations_eachWithinTheFrameBound() {
        int frameBytesMax = 1024;
        byte[] message = new byte[3000];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        java.util.List<Byte> types = new java.util.ArrayList<>();
        int offset = 0;
        while (offset < message.length) {
            ByteBuf frame = WireProtocol.encodeMessageFrame(UnpooledByteBufAllocator.DEFAULT, message, offset,
                    frameBytesMax);
            int length = frame.readInt();
            assertThat(length).isLessThanOrEqualTo(frameBytesMax);
            byte type = frame.readByte();
            types.add(type);
            if (type == WireProtocol.TYPE_FRAGMENT_START) {
                assertThat(frame.readInt()).isEqualTo(message.length);
            }
            byte[] part = new byte[frame.readableBytes()];
            frame.readBytes(part);
            frame.release();
            joined.writeBytes(part);
            offset += WireProtocol.frameContentBytes(message.length, offset, frameBytesMax);
        }
        assertThat(types).containsExactly(WireProtocol.TYPE_FRAGMENT_START, WireProtocol.TYPE_FRAGMENT_CONTINUATION,
                WireProtocol.TYPE_FRAGMENT_CONTINUATION);
        assertThat(joined.toByteArray()).isEqualTo(message);
        // A message that fits one frame body (the type byte plus the message) stays a single data frame.
        ByteBuf single = WireProtocol.encodeMessageFrame(UnpooledByteBufAllocator.DEFAULT, new byte[1023], 0, 1024);
        assertThat(single.getByte(4)).isEqualTo(WireProtocol.TYPE_DATA);
        single.release();
    }
}
