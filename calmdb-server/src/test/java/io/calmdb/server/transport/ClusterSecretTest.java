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
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster secret on the replication port (issue 11): nodes that share it link up; a raw socket that says
 * HELLO as a stopped region ("tyo") without it is challenged, cannot answer, and is closed with nothing delivered;
 * a node with another secret is refused both ways; and a stranger learns neither the cluster's nor the node's name.
 */
class ClusterSecretTest {
    private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
    private static final ReplicaId FRANKFURT = ReplicaId.of("frankfurt");
    /** Configured at virginia but never started: the raw socket impersonates it. */
    private static final ReplicaId TYO = ReplicaId.of("tyo");
    private static final byte[] SECRET = "a-shared-secret-of-the-cluster".getBytes(StandardCharsets.UTF_8);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    private PeerTransport start(ReplicaId self, int port, byte[] secret, Inbox inbox, Object... peers) {
        TransportConfig.Builder builder = fastConfig(self, CLUSTER).listen("127.0.0.1", port).clusterSecret(secret);
        for (int i = 0; i < peers.length; i += 2) {
            builder.peer((ReplicaId) peers[i], "127.0.0.1", (Integer) peers[i + 1]);
        }
        PeerTransport transport = PeerTransport.start(builder.build(), inbox);
        resources.add(transport);
        return transport;
    }

    @Test
    void nodesSharingTheSecret_linkUpAndDeliver() {
        int virginiaPort = unusedPort();
        int frankfurtPort = unusedPort();
        Inbox virginiaInbox = new Inbox();
        start(VIRGINIA, virginiaPort, SECRET, virginiaInbox, FRANKFURT, frankfurtPort);
        PeerTransport frankfurt = start(FRANKFURT, frankfurtPort, SECRET, new Inbox(), VIRGINIA, virginiaPort);
        awaitLinkUp(frankfurt, VIRGINIA);
        assertThat(frankfurt.send(VIRGINIA, text("hello"))).isTrue();
        awaitCondition("virginia hears frankfurt", () -> virginiaInbox.from(FRANKFURT).size() == 1);
    }

    @Test
    void anImpersonatorWithoutTheSecret_isChallengedThenClosed_andNothingOfItsFramesIsDelivered() throws Exception {
        int virginiaPort = unusedPort();
        Inbox virginiaInbox = new Inbox();
        PeerTransport virginia = start(VIRGINIA, virginiaPort, SECRET, virginiaInbox, TYO, unusedPort());
        try (Socket socket = new Socket("127.0.0.1", virginiaPort)) {
            socket.setSoTimeout((int) TransportTestSupport.WAIT_MAX.toMillis());
            resources.add(socket);
            write(socket, WireProtocol.encodeHello(UnpooledByteBufAllocator.DEFAULT, WireProtocol.TYPE_HELLO, CLUSTER,
                    TYO, VIRGINIA));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readInt();
            assertThat(in.readByte()).as("a challenge, not an acceptance").isEqualTo(WireProtocol.TYPE_CHALLENGE);
            byte[] challenge = new byte[length - 1];
            in.readFully(challenge);
            assertThat(new String(challenge, StandardCharsets.ISO_8859_1)).doesNotContain("virginia")
                    .doesNotContain(CLUSTER);
            // A guessed proof, then frames as tyo: none may be delivered.
            write(socket, WireProtocol.encodeBytesFrame(UnpooledByteBufAllocator.DEFAULT, WireProtocol.TYPE_PROOF,
                    new byte[WireProtocol.MAC_BYTES]));
            try {
                write(socket, WireProtocol.encodeMessageFrame(UnpooledByteBufAllocator.DEFAULT, text("forged"), 0, 4096));
            } catch (SocketException closedAlready) {
                // The node may have closed before this frame arrived; either way nothing is delivered.
            }
            assertThat(readUntilClosed(socket)).as("closed without another word").isEmpty();
        }
        assertThat(virginiaInbox.total()).isZero();
        assertThat(((NettyPeerTransport) virginia).authenticationFailures()).isEqualTo(1);
        assertThat(link(virginia, TYO).inboundUp()).isFalse();
    }

    @Test
    void nodesWithDifferentSecrets_orOnlyOneSecret_neverLinkUp() {
        int virginiaPort = unusedPort();
        int frankfurtPort = unusedPort();
        Inbox virginiaInbox = new Inbox();
        Inbox frankfurtInbox = new Inbox();
        PeerTransport virginia = start(VIRGINIA, virginiaPort, SECRET, virginiaInbox, FRANKFURT, frankfurtPort);
        PeerTransport frankfurt = start(FRANKFURT, frankfurtPort,
                "another-secret-entirely-here".getBytes(StandardCharsets.UTF_8), frankfurtInbox,
                VIRGINIA, virginiaPort);
        // Both dial and both are refused: each dialer finds the acceptor's proof wrong and closes.
        awaitCondition("virginia refused frankfurt's dial",
                () -> ((NettyPeerTransport) virginia).authenticationFailures() > 0);
        awaitCondition("frankfurt refused virginia's dial",
                () -> ((NettyPeerTransport) frankfurt).authenticationFailures() > 0);
        virginia.send(FRANKFURT, text("x"));
        assertThat(link(virginia, FRANKFURT).outboundUp()).isFalse();
        assertThat(link(frankfurt, VIRGINIA).outboundUp()).isFalse();
        assertThat(virginiaInbox.total() + frankfurtInbox.total()).isZero();
    }

    @Test
    void withoutASecret_aStrangersRejectionNamesNeitherTheClusterNorTheNode() throws Exception {
        int virginiaPort = unusedPort();
        start(VIRGINIA, virginiaPort, null, new Inbox(), TYO, unusedPort());
        try (Socket socket = new Socket("127.0.0.1", virginiaPort)) {
            socket.setSoTimeout((int) TransportTestSupport.WAIT_MAX.toMillis());
            write(socket, WireProtocol.encodeHello(UnpooledByteBufAllocator.DEFAULT, WireProtocol.TYPE_HELLO,
                    "guessed-cluster", ReplicaId.of("nobody"), ReplicaId.of("someone")));
            String answer = new String(readUntilClosed(socket), StandardCharsets.ISO_8859_1);
            assertThat(answer).contains("handshake refused").doesNotContain(CLUSTER).doesNotContain("virginia");
        }
    }
}
