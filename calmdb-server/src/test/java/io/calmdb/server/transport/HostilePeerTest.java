package io.calmdb.server.transport;

import static io.calmdb.server.transport.TransportTestSupport.CLUSTER;
import static io.calmdb.server.transport.TransportTestSupport.awaitCondition;
import static io.calmdb.server.transport.TransportTestSupport.awaitLinkUp;
import static io.calmdb.server.transport.TransportTestSupport.fastConfig;
import static io.calmdb.server.transport.TransportTestSupport.link;
import static io.calmdb.server.transport.TransportTestSupport.text;
import static io.calmdb.server.transport.TransportTestSupport.readUntilClosed;
import static io.calmdb.server.transport.TransportTestSupport.unusedPort;
import static io.calmdb.server.transport.TransportTestSupport.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.transport.TransportTestSupport.Inbox;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Raw sockets that do not play by the rules: each hostile connection is closed with a reason, nothing it sends
 * is delivered, and the real link between the two well-behaved nodes keeps working throughout.
 */
class HostilePeerTest {
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
    private static final ReplicaId TOKYO = ReplicaId.of("tokyo");
    /** A configured peer that never starts: the raw socket impersonates it after a correct handshake. */
    private static final ReplicaId MALLORY = ReplicaId.of("mallory");
    private static final int FRAME_BYTES_MAX = 4096;
    /** Virginia's reassembly bound: a few frames, so a violation is cheap to provoke. */
    private static final int MESSAGE_BYTES_MAX = 64 * 1024;
    private static final ByteBufAllocator ALLOCATOR = UnpooledByteBufAllocator.DEFAULT;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final Inbox virginiaInbox = new Inbox();
    private PeerTransport virginia;
    private PeerTransport tokyo;

    @BeforeEach
    void startTwoHealthyNodes() {
        int virginiaPort = unusedPort();
        int tokyoPort = unusedPort();
        virginia = PeerTransport.start(fastConfig(VIRGINIA, CLUSTER).listen("127.0.0.1", virginiaPort)
                .frameBytesMax(FRAME_BYTES_MAX).messageBytesMax(MESSAGE_BYTES_MAX)
                .handshakeTimeout(Duration.ofMillis(300))
                .peer(TOKYO, "127.0.0.1", tokyoPort).peer(MALLORY, "127.0.0.1", unusedPort()).build(), virginiaInbox);
        resources.add(virginia);
        tokyo = PeerTransport.start(fastConfig(TOKYO, CLUSTER).listen("127.0.0.1", tokyoPort)
                .peer(VIRGINIA, "127.0.0.1", virginiaPort).build(), new Inbox());
        resources.add(tokyo);
        awaitLinkUp(tokyo, VIRGINIA);
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", virginia.localAddress().getPort());
        socket.setSoTimeout((int) TransportTestSupport.WAIT_MAX.toMillis());
        resources.add(socket);
        return socket;
    }

    /** Proves the healthy link still delivers, in order, after the hostile episode. */
    private void assertHealthyLinkStillWorks(String marker) {
        int before = virginiaInbox.from(TOKYO).size();
        assertThat(tokyo.send(VIRGINIA, text(marker))).isTrue();
        awaitCondition("virginia still hears tokyo", () -> virginiaInbox.from(TOKYO).size() == before + 1);
        assertThat(virginiaInbox.from(TOKYO)).last().isEqualTo(marker);
        assertThat(virginiaInbox.from(MALLORY)).isEmpty();
    }

    private WireProtocol.Reject decodeRejection(byte[] received) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(received));
        int length = in.readInt();
        assertThat(in.readByte()).isEqualTo(WireProtocol.TYPE_REJECT);
        byte[] payload = new byte[length - 1];
        in.readFully(payload);
        return WireProtocol.decodeReject(payload);
    }

    @Test
    void garbageBytes_closeTheConnection_andTheHealthyLinkKeepsWorking() throws IOException {
        long rejectedBefore = virginia.snapshot().connectionsRejected();
        Socket socket = connect();
        socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: calmdb\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readUntilClosed(socket)).isEmpty();
        awaitCondition("the refusal is counted", () -> virginia.snapshot().connectionsRejected() > rejectedBefore);
        assertHealthyLinkStillWorks("after-garbage");
    }

    @Test
    void oversizedLengthHeader_beforeTheHandshake_closesTheConnection() throws IOException {
        Socket socket = connect();
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(Integer.MAX_VALUE);
        out.write(new byte[64]);
        out.flush();
        assertThat(readUntilClosed(socket)).isEmpty();
        assertHealthyLinkStillWorks("after-oversized-header");
    }

    @Test
    void silentConnection_isClosedAfterTheHandshakeTimeout() throws IOException {
        Socket socket = connect();
        assertThat(readUntilClosed(socket)).isEmpty();
        assertHealthyLinkStillWorks("after-silence");
    }

    @Test
    void wellFramedHandshakeWithBadMagic_isClosedWithoutAnAnswer() throws IOException {
        Socket socket = connect();
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(1 + 16);
        out.writeByte(WireProtocol.TYPE_HELLO);
        out.write(new byte[16]);
        out.flush();
        assertThat(readUntilClosed(socket)).isEmpty();
        assertHealthyLinkStillWorks("after-bad-magic");
    }

    /** Connects and completes a correct handshake as mallory, so that what follows comes from a known peer. */
    private Socket connectAsMallory() throws IOException {
        Socket socket = connect();
        write(socket, WireProtocol.encodeHello(ALLOCATOR, WireProtocol.TYPE_HELLO, CLUSTER, MALLORY, VIRGINIA));
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int answerLength = in.readInt();
        assertThat(in.readByte()).isEqualTo(WireProtocol.TYPE_HELLO_ACCEPT);
        in.readFully(new byte[answerLength - 1]);
        awaitCondition("virginia shows mallory's inbound link", () -> link(virginia, MALLORY).inboundUp());
        return socket;
    }

    /** Writes a raw fragment start frame announcing {@code announcedBytes} (as an unsigned 32-bit value). */
    private static void writeFragmentStart(Socket socket, long announcedBytes, byte[] part) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(1 + WireProtocol.MESSAGE_LENGTH_FIELD_BYTES + part.length);
        out.writeByte(WireProtocol.TYPE_FRAGMENT_START);
        out.writeInt((int) announcedBytes);
        out.write(part);
        out.flush();
    }

    /** Writes {@code message} as the transport's own sender would, in frames of at most {@link #FRAME_BYTES_MAX}. */
    private static void writeMessage(Socket socket, byte[] message) throws IOException {
        int offset = 0;
        do {
            write(socket, WireProtocol.encodeMessageFrame(ALLOCATOR, message, offset, FRAME_BYTES_MAX));
            offset += WireProtocol.frameContentBytes(message.length, offset, FRAME_BYTES_MAX);
        } while (offset < message.length);
    }

    @Test
    void authenticatedPeer_announcingAHugeReassembly_isCutWithTheReason_beforeAnythingIsBuffered()
            throws IOException {
        for (long announced : new long[] {0xFFFF_FFFFL, MESSAGE_BYTES_MAX + 1L}) {
            Socket socket = connectAsMallory();
            writeFragmentStart(socket, announced, new byte[100]);
            readUntilClosed(socket);
            awaitCondition("mallory's inbound link is gone", () -> !link(virginia, MALLORY).inboundUp());
            assertThat(link(virginia, MALLORY).lastInboundError()).hasValueSatisfying(error -> assertThat(error)
                    .contains("announces a message of " + announced + " bytes")
                    .contains("messageBytesMax " + MESSAGE_BYTES_MAX));
        }
        assertHealthyLinkStillWorks("after-huge-announcement");
    }

    @Test
    void authenticatedPeer_droppingMidMessage_losesOnlyThePartial_andItsNextConnectionDeliversWholeMessages()
            throws IOException {
        Socket first = connectAsMallory();
        writeMessage(first, text("whole-before"));
        writeFragmentStart(first, 10_000, new byte[FRAME_BYTES_MAX - 5]);
        first.close();
        awaitCondition("mallory's first inbound link is gone", () -> !link(virginia, MALLORY).inboundUp());

        Socket second = connectAsMallory();
        String large = "L".repeat(3 * FRAME_BYTES_MAX + 17);
        writeMessage(second, text(large));
        writeMessage(second, text("whole-after"));
        awaitCondition("virginia received mallory's messages", () -> virginiaInbox.from(MALLORY).size() == 3);
        assertThat(virginiaInbox.from(MALLORY)).containsExactly("whole-before", large, "whole-after");
        assertThat(link(virginia, MALLORY).inboundUp()).isTrue();
    }

    @Test
    void authenticatedPeer_interleavingADataFrameIntoAFragmentedMessage_isCut() throws IOException {
        Socket socket = connectAsMallory();
        writeFragmentStart(socket, 10_000, new byte[100]);
        write(socket, WireProtocol.encodeData(ALLOCATOR, text("interloper")));
        readUntilClosed(socket);
        awaitCondition("mallory's inbound link is gone", () -> !link(virginia, MALLORY).inboundUp());
        assertThat(link(virginia, MALLORY).lastInboundError()).hasValueSatisfying(
                error -> assertThat(error).contains("data frame inside a fragmented message"));
        assertThat(virginiaInbox.from(MALLORY)).isEmpty();
        assertHealthyLinkStillWorks("after-interleaving");
    }

    @Test
    void authenticatedPeer_sendingAFrameAboveTheBound_isCutAfterItsValidMessages() throws IOException {
        Socket socket = connectAsMallory();

        write(socket, WireProtocol.encodeData(ALLOCATOR, text("valid-before")));
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(FRAME_BYTES_MAX + 1);
        out.writeByte(WireProtocol.TYPE_DATA);
        out.write(new byte[FRAME_BYTES_MAX]);
        out.flush();
        readUntilClosed(socket);
        awaitCondition("mallory's inbound link is gone", () -> !link(virginia, MALLORY).inboundUp());
        assertThat(virginiaInbox.from(MALLORY)).containsExactly("valid-before");
        assertThat(link(virginia, MALLORY).lastInboundError()).hasValueSatisfying(
                error -> assertThat(error).contains("exceeds the bound"));
        int before = virginiaInbox.from(TOKYO).size();
        tokyo.send(VIRGINIA, text("after-oversized-frame"));
        awaitCondition("virginia still hears tokyo", () -> virginiaInbox.from(TOKYO).size() == before + 1);
    }

    @Test
    void handshakes_withWrongClusterUnknownOrOwnIdOrWrongVersion_areRejectedWithAReason() throws IOException {
        record Case(ByteBuf hello, WireProtocol.RejectReason expected) {
        }
        List<Case> cases = List.of(
                new Case(WireProtocol.encodeHello(ALLOCATOR, WireProtocol.TYPE_HELLO, "other", MALLORY, VIRGINIA),
                        WireProtocol.RejectReason.WRONG_CLUSTER),
                new Case(WireProtocol.encodeHello(ALLOCATOR, WireProtocol.TYPE_HELLO, CLUSTER,
                        ReplicaId.of("stranger"), VIRGINIA), WireProtocol.RejectReason.UNKNOWN_REPLICA),
                new Case(WireProtocol.encodeHello(ALLOCATOR, WireProtocol.TYPE_HELLO, CLUSTER, VIRGINIA, VIRGINIA),
                        WireProtocol.RejectReason.SELF_CONNECTION),
                new Case(WireProtocol.encodeHello(ALLOCATOR, WireProtocol.TYPE_HELLO, CLUSTER, MALLORY, TOKYO),
                        WireProtocol.RejectReason.WRONG_RECIPIENT),
                new Case(helloWithVersion(99), WireProtocol.RejectReason.UNSUPPORTED_VERSION),
                // Tokyo already holds an authenticated link, so a second "tokyo" is an impostor or a stale twin.
                new Case(WireProtocol.encodeHello(ALLOCATOR, WireProtocol.TYPE_HELLO, CLUSTER, TOKYO, VIRGINIA),
                        WireProtocol.RejectReason.DUPLICATE_REPLICA));
        for (Case each : cases) {
            Socket socket = connect();
            write(socket, each.hello());
            WireProtocol.Reject rejection = decodeRejection(readUntilClosed(socket));
            assertThat(rejection.reason()).as(each.expected().name()).isEqualTo(each.expected());
            assertThat(rejection.text()).isNotBlank();
        }
        assertThat(link(virginia, MALLORY).lastInboundError()).hasValueSatisfying(
                error -> assertThat(error).contains("refused inbound handshake"));
        assertHealthyLinkStillWorks("after-impostors");
    }

    private static ByteBuf helloWithVersion(int version) {
        ByteBuf hello = WireProtocol.encodeHello(ALLOCATOR, WireProtocol.TYPE_HELLO, CLUSTER, MALLORY, VIRGINIA);
        // Length (4), type (1), magic (4), then the 16-bit version.
        hello.setShort(9, version);
        return hello;
    }
}
