package io.calmdb.server.transport;

import static io.calmdb.server.transport.TransportTestSupport.CLUSTER;
import static io.calmdb.server.transport.TransportTestSupport.awaitCondition;
import static io.calmdb.server.transport.TransportTestSupport.awaitLinkUp;
import static io.calmdb.server.transport.TransportTestSupport.fastConfig;
import static io.calmdb.server.transport.TransportTestSupport.link;
import static io.calmdb.server.transport.TransportTestSupport.text;
import static io.calmdb.server.transport.TransportTestSupport.unusedPort;
import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Messages far larger than a frame over real loopback links: they arrive intact and in order among small ones,
 * and a link that breaks part-way through one loses only that message.
 */
class LargeMessageTest {
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
    private static final ReplicaId TOKYO = ReplicaId.of("tokyo");
    private static final int FRAME_BYTES_MAX = 1024 * 1024;
    private static final int MESSAGE_BYTES_MAX = 32 * 1024 * 1024;
    private static final int LARGE_MESSAGE_BYTES = 20 * 1024 * 1024;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    /** Keeps every message's bytes, in arrival order. */
    private static final class ByteInbox implements TransportListener {
        private final List<byte[]> received = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onMessage(ReplicaId from, byte[] message) {
            received.add(message);
        }

        List<byte[]> messages() {
            synchronized (received) {
                return List.copyOf(received);
            }
        }
    }

    private static TransportConfig.Builder largeMessageConfig(ReplicaId self) {
        return fastConfig(self, CLUSTER).frameBytesMax(FRAME_BYTES_MAX).messageBytesMax(MESSAGE_BYTES_MAX)
                .queueBytesMax(2L * MESSAGE_BYTES_MAX);
    }

    /** Virginia dials tokyo; returns virginia's transport, with tokyo's messages landing in {@code tokyoInbox}. */
    private PeerTransport startPair(ByteInbox tokyoInbox) {
        int virginiaPort = unusedPort();
        int tokyoPort = unusedPort();
        PeerTransport virginia = PeerTransport.start(largeMessageConfig(VIRGINIA).listen("127.0.0.1", virginiaPort)
                .peer(TOKYO, "127.0.0.1", tokyoPort).build(), new ByteInbox());
        resources.add(virginia);
        resources.add(PeerTransport.start(largeMessageConfig(TOKYO).listen("127.0.0.1", tokyoPort)
                .peer(VIRGINIA, "127.0.0.1", virginiaPort).build(), tokyoInbox));
        awaitLinkUp(virginia, TOKYO);
        return virginia;
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void aTwentyMebibyteMessage_crossesALinkWithOneMebibyteFrames_intact() {
        ByteInbox tokyoInbox = new ByteInbox();
        PeerTransport virginia = startPair(tokyoInbox);
        byte[] message = randomBytes(LARGE_MESSAGE_BYTES, 1);
        assertThat(virginia.send(TOKYO, message)).isTrue();

        awaitCondition("tokyo received the large message", () -> tokyoInbox.messages().size() == 1);
        assertThat(tokyoInbox.messages().getFirst()).isEqualTo(message);
        LinkSnapshot sent = link(virginia, TOKYO);
        assertThat(sent.messagesSent()).isEqualTo(1);
        assertThat(sent.queuedMessages()).isZero();
        assertThat(sent.queuedBytes()).isZero();
        // Twenty-one frames: each costs five header bytes, and the start frame four more for the length.
        int frames = (LARGE_MESSAGE_BYTES + 4 + FRAME_BYTES_MAX - 2) / (FRAME_BYTES_MAX - 1);
        assertThat(sent.bytesSent()).isGreaterThanOrEqualTo(LARGE_MESSAGE_BYTES + 5L * frames + 4);
    }

    @Test
    void largeMessagesFromOneThread_andSmallOnesFromAnother_arriveIntact_inEachSendersOrder() throws Exception {
        ByteInbox tokyoInbox = new ByteInbox();
        PeerTransport virginia = startPair(tokyoInbox);
        int largeCount = 3;
        int smallCount = 2_000;
        List<byte[]> large = new ArrayList<>();
        for (int i = 0; i < largeCount; i++) {
            large.add(randomBytes(5 * 1024 * 1024 + i, 100 + i));
        }
        CompletableFuture<Void> largeSender = CompletableFuture.runAsync(() -> {
            for (byte[] message : large) {
                assertThat(virginia.send(TOKYO, message)).isTrue();
            }
        });
        for (int i = 0; i < smallCount; i++) {
            assertThat(virginia.send(TOKYO, text("small-" + i))).isTrue();
        }
        largeSender.get();

        awaitCondition("tokyo received every message",
                () -> tokyoInbox.messages().size() == largeCount + smallCount);
        List<byte[]> receivedLarge = new ArrayList<>();
        List<String> receivedSmall = new ArrayList<>();
        for (byte[] message : tokyoInbox.messages()) {
            if (message.length > 1024) {
                receivedLarge.add(message);
            } else {
                receivedSmall.add(new String(message, StandardCharsets.UTF_8));
            }
        }
        assertThat(receivedLarge).hasSize(largeCount);
        for (int i = 0; i < largeCount; i++) {
            assertThat(receivedLarge.get(i)).as("large message %d", i).isEqualTo(large.get(i));
        }
        assertThat(receivedSmall).containsExactlyElementsOf(TransportTestSupport.numbered("small", smallCount));
    }

    @Test
    void aSmallMessageQueuedBehindALargeOne_isDeliveredRightAfterIt() {
        ByteInbox tokyoInbox = new ByteInbox();
        PeerTransport virginia = startPair(tokyoInbox);
        byte[] large = randomBytes(LARGE_MESSAGE_BYTES, 2);
        assertThat(virginia.send(TOKYO, text("before"))).isTrue();
        assertThat(virginia.send(TOKYO, large)).isTrue();
        assertThat(virginia.send(TOKYO, text("after"))).isTrue();
        awaitCondition("tokyo received all three", () -> tokyoInbox.messages().size() == 3);
        List<byte[]> received = tokyoInbox.messages();
        assertThat(new String(received.get(0), StandardCharsets.UTF_8)).isEqualTo("before");
        assertThat(received.get(1)).isEqualTo(large);
        assertThat(new String(received.get(2), StandardCharsets.UTF_8)).isEqualTo("after");
    }

    /**
     * A fake acceptor stops reading after the first frame of a message far larger than the socket buffers, so the
     * sender is stuck part-way through it, then drops the connection. On the next connection the sender must start
     * with the following message, not with a continuation of the abandoned one.
     */
    @Test
    void aLinkDroppedMidMessage_abandonsThatMessage_andTheNextConnectionStartsWithTheNextMessage()
            throws Exception {
        try (ServerSocket acceptor = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            acceptor.setSoTimeout((int) TransportTestSupport.WAIT_MAX.toMillis());
            PeerTransport virginia = PeerTransport.start(largeMessageConfig(VIRGINIA)
                    .peer(TOKYO, "127.0.0.1", acceptor.getLocalPort()).build(), new ByteInbox());
            resources.add(virginia);
            int hugeBytes = MESSAGE_BYTES_MAX;
            assertThat(virginia.send(TOKYO, new byte[hugeBytes])).isTrue();
            assertThat(virginia.send(TOKYO, text("next"))).isTrue();

            try (Socket first = acceptHandshake(acceptor)) {
                DataInputStream in = new DataInputStream(first.getInputStream());
                int length = in.readInt();
                assertThat(in.readByte()).isEqualTo(WireProtocol.TYPE_FRAGMENT_START);
                assertThat(in.readInt()).isEqualTo(hugeBytes);
                in.readFully(new byte[length - 1 - WireProtocol.MESSAGE_LENGTH_FIELD_BYTES]);
                awaitCondition("the sender is stuck part-way, its channel unwritable",
                        () -> !virginia.isWritable(TOKYO) && link(virginia, TOKYO).messagesSent() == 0);
            }
            awaitCondition("the sender dropped the part-written message",
                    () -> link(virginia, TOKYO).queuedMessages() == 1);
            try (Socket second = acceptHandshake(acceptor)) {
                DataInputStream in = new DataInputStream(second.getInputStream());
                int length = in.readInt();
                byte type = in.readByte();
                // Heartbeats may come first; anything else must be the next message, whole.
                while (type == WireProtocol.TYPE_HEARTBEAT) {
                    length = in.readInt();
                    type = in.readByte();
                }
                assertThat(type).isEqualTo(WireProtocol.TYPE_DATA);
                byte[] payload = new byte[length - 1];
                in.readFully(payload);
                assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo("next");
                awaitCondition("the next message counts as sent", () -> link(virginia, TOKYO).messagesSent() == 1);
                assertThat(link(virginia, TOKYO).queuedBytes()).isZero();
            }
        }
    }

    /** Accepts virginia's connection, reads its hello and answers as tokyo. */
    private static Socket acceptHandshake(ServerSocket acceptor) throws IOException {
        Socket socket = acceptor.accept();
        socket.setSoTimeout((int) TransportTestSupport.WAIT_MAX.toMillis());
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int length = in.readInt();
        assertThat(in.readByte()).isEqualTo(WireProtocol.TYPE_HELLO);
        in.readFully(new byte[length - 1]);
        var accept = WireProtocol.encodeHello(UnpooledByteBufAllocator.DEFAULT, WireProtocol.TYPE_HELLO_ACCEPT,
                CLUSTER, TOKYO, VIRGINIA);
        ByteBuffer bytes = ByteBuffer.allocate(accept.readableBytes());
        accept.readBytes(bytes);
        accept.release();
        OutputStream out = socket.getOutputStream();
        out.write(bytes.array());
        out.flush();
        return socket;
    }
}
