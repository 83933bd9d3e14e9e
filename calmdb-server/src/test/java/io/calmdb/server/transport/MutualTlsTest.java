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
import io.calmdb.server.node.NodeConfig;
import io.calmdb.server.node.TlsContexts;
import io.calmdb.server.transport.TransportTestSupport.Inbox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on region links with certificates from {@code scripts/make-ca.sh} (issue 11): regions with their own
 * certificates link up; a node holding frankfurt's genuine certificate that claims to be tokyo is refused, because
 * the certificate does not name the region it claims, and nothing it sends is delivered.
 */
class MutualTlsTest {
  private static final ReplicaId VIRGINIA = ReplicaId.of("virginia");
  private static final ReplicaId FRANKFURT = ReplicaId.of("frankfurt");
  private static final ReplicaId TOKYO = ReplicaId.of("tokyo");

  @TempDir
  static Path tls;

  private final List<AutoCloseable> resources = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    Path script = Path.of("..", "scripts", "make-ca.sh").toAbsolutePath().normalize();
    Process make = new ProcessBuilder("bash", script.toString(), tls.toString(), "virginia", "frankfurt")
        .redirectErrorStream(true).start();
    make.getOutputStream().close();
    assertThat(make.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(make.exitValue()).as(new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isZero();
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (AutoCloseable resource : resources.reversed()) {
      resource.close();
    }
  }

  private PeerTransport start(ReplicaId self, String certificateOf, int port, Inbox inbox, ReplicaId peer,
      int peerPort) {
    NodeConfig.Tls files = new NodeConfig.Tls(tls.resolve(certificateOf + ".crt"), tls.resolve(certificateOf + ".key"),
        tls.resolve("ca.crt"), true);
    PeerTransport transport = PeerTransport.start(fastConfig(self, CLUSTER).listen("127.0.0.1", port)
        .tls(TlsContexts.peer(files, true), TlsContexts.peer(files, false))
        .peer(peer, "127.0.0.1", peerPort).build(), inbox);
    resources.add(transport);
    return transport;
  }

  @Test
  void regionsWithTheirOwnCertificates_linkUpAndDeliver() {
    int virginiaPort = unusedPort();
    int frankfurtPort = unusedPort();
    Inbox virginiaInbox = new Inbox();
    start(VIRGINIA, "virginia", virginiaPort, virginiaInbox, FRANKFURT, frankfurtPort);
    PeerTransport frankfurt = start(FRANKFURT, "frankfurt", frankfurtPort, new Inbox(), VIRGINIA, virginiaPort);
    awaitLinkUp(frankfurt, VIRGINIA);
    assertThat(frankfurt.send(VIRGINIA, text("over tls"))).isTrue();
    awaitCondition("virginia hears frankfurt over TLS", () -> virginiaInbox.from(FRANKFURT).size() == 1);
  }

  @Test
  void aNodeClaimingARegionItsCertificateDoesNotName_isRefused_andNothingIsDelivered() {
    int virginiaPort = unusedPort();
    int impostorPort = unusedPort();
    Inbox virginiaInbox = new Inbox();
    PeerTransport virginia = start(VIRGINIA, "virginia", virginiaPort, virginiaInbox, TOKYO, impostorPort);
    // A genuine certificate of the cluster's CA, but frankfurt's: it may not speak as tokyo.
    PeerTransport impostor = start(TOKYO, "frankfurt", impostorPort, new Inbox(), VIRGINIA, virginiaPort);
    awaitCondition("virginia refused the impostor",
        () -> ((NettyPeerTransport) virginia).authenticationFailures() > 0);
    impostor.send(VIRGINIA, text("forged"));
    assertThat(link(virginia, TOKYO).inboundUp()).isFalse();
    assertThat(link(impostor, VIRGINIA).outboundUp()).isFalse();
    assertThat(virginiaInbox.total()).isZero();
  }
}
