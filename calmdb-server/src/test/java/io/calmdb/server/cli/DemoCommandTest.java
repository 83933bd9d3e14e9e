package io.calmdb.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.calmdb.server.CalmServer;
import io.calmdb.server.storage.FsyncPolicy;
import io.calmdb.server.transport.LinkSnapshot;
import io.calmdb.server.transport.LinkState;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoCommandTest {
    /** How long the three regions may take to dial each other. */
    static final Duration LINKS_UP_WAIT_MAX = Duration.ofSeconds(30);
    /** How long one status or HTTP answer may take. */
    static final long ANSWER_WAIT_MILLIS_MAX = 10_000;
    /** Tries at finding nine consecutive free loopback ports before the test gives up. */
    static final int FREE_BLOCK_ATTEMPTS_MAX = 50;
    /** Port bases are drawn below Linux's default ephemeral range (32768 and up), where the kernel picks ports. */
    static final int FREE_BLOCK_BASE_MIN = 10_000;
    static final int FREE_BLOCK_BASE_MAX = 32_000;

    @Test
    void portPlan_fromBase_takesNineConsecutivePorts_respThenHttpThenReplication() {
        DemoCommand.PortPlan plan = DemoCommand.PortPlan.fromBase(20_000);
        Set<Integer> ports = new HashSet<>();
        for (int region = 0; region < 3; region++) {
            assertThat(plan.resp(region)).isEqualTo(20_000 + region);
            assertThat(plan.http(region)).isEqualTo(20_003 + region);
            assertThat(plan.replication(region)).isEqualTo(20_006 + region);
            ports.addAll(List.of(plan.resp(region), plan.http(region), plan.replication(region)));
        }
        assertThat(ports).hasSize(DemoCommand.PORTS_PER_DEMO).allMatch(port -> port >= 20_000 && port <= 20_008);
    }

    @Test
    void portPlan_fromBase_acceptsTheEdgesOfTheRange_andRefusesOutsideIt() {
        assertThat(DemoCommand.PortPlan.fromBase(1024).resp(0)).isEqualTo(1024);
        assertThat(DemoCommand.PortPlan.fromBase(65_527).replication(2)).isEqualTo(65_535);
        for (int base : new int[] {0, 80, 1023, 65_528, 70_000, -1}) {
            assertThatThrownBy(() -> DemoCommand.PortPlan.fromBase(base))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--port-base must be between 1024 and 65527")
                    .hasMessageContaining("got " + base);
        }
    }

    @Test
    void portPlan_classic_keepsTheDocumentedPorts() {
        DemoCommand.PortPlan plan = DemoCommand.PortPlan.classic();
        assertThat(List.of(plan.resp(0), plan.http(0), plan.replication(0))).containsExactly(6380, 7080, 7380);
        assertThat(List.of(plan.resp(2), plan.http(2), plan.replication(2))).containsExactly(6382, 7082, 7382);
    }

    @Test
    void demo_withAPortBaseOutOfRange_exitsWithStatus2AndSaysWhy(@TempDir Path data) {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        int status;
        System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
        try {
            status = new CommandLine(new DemoCommand()).execute("--data", data.toString(), "--port-base", "80");
        } finally {
            System.setErr(originalErr);
        }
        assertThat(status).isEqualTo(2);
        assertThat(errors.toString(StandardCharsets.UTF_8))
                .contains("calmdb demo: --port-base must be between 1024 and 65527").contains("got 80");
    }

    @Test
    void startRegions_onAPortBase_servesEveryRegionOnItsPlannedPorts_andLinksThemBothWays(@TempDir Path data)
            throws Exception {
        int base = freeBlockOfNinePorts();
        DemoCommand.PortPlan plan = DemoCommand.PortPlan.fromBase(base);
        List<CalmServer> regions = new DemoCommand().startRegions(data, FsyncPolicy.EVERYSEC, plan);
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(ANSWER_WAIT_MILLIS_MAX)).build();
            for (int i = 0; i < regions.size(); i++) {
                CalmServer region = regions.get(i);
                assertThat(region.node().respPort()).isEqualTo(plan.resp(i));
                assertThat(region.httpPort()).isEqualTo(plan.http(i));
                assertThat(region.node().replicationPort()).isEqualTo(plan.replication(i));
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + plan.http(i) + "/health"))
                        .timeout(Duration.ofMillis(ANSWER_WAIT_MILLIS_MAX)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
            }
            for (CalmServer region : regions) {
                awaitTrue("every link of " + region.node().replica() + " up in both directions",
                        () -> allLinksUp(region));
            }
        } finally {
            regions.forEach(CalmServer::close);
        }
    }

    @Test
    void startRegions_withTls_linkTheRegionsOverMutualTls_andServeHttpsWithThePrivateCa(@TempDir Path data)
            throws Exception {
        int base = freeBlockOfNinePorts();
        DemoCommand.PortPlan plan = DemoCommand.PortPlan.fromBase(base);
        DemoCommand.makeCertificates(data.resolve("tls"));
        List<CalmServer> regions = new DemoCommand().withTls().startRegions(data, FsyncPolicy.EVERYSEC, plan);
        try {
            for (CalmServer region : regions) {
                awaitTrue("every link of " + region.node().replica() + " up in both directions",
                        () -> allLinksUp(region));
            }
            SSLContext trustTheCa = ((JdkSslContext) SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .trustManager(data.resolve("tls").resolve("ca.crt").toFile()).build()).context();
            HttpClient https = HttpClient.newBuilder().sslContext(trustTheCa)
                    .connectTimeout(Duration.ofMillis(ANSWER_WAIT_MILLIS_MAX)).build();
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(
                            URI.create("https://localhost:" + plan.http(2) + "/health"))
                    .timeout(Duration.ofMillis(ANSWER_WAIT_MILLIS_MAX)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        } finally {
            regions.forEach(CalmServer::close);
        }
    }

    private static boolean allLinksUp(CalmServer region) {
        try {
            List<LinkSnapshot> links = region.node().status().get(ANSWER_WAIT_MILLIS_MAX, TimeUnit.MILLISECONDS)
                    .transport().links();
            return links.size() == 2
                    && links.stream().allMatch(link -> link.state() == LinkState.UP && link.inboundUp());
        } catch (Exception e) {
            throw new IllegalStateException("no status from " + region.node().replica(), e);
        }
    }

    /** A base whose nine ports were all free a moment ago (another process may still take one; that is rare). */
    private static int freeBlockOfNinePorts() {
        Random random = new Random();
        for (int attempt = 0; attempt < FREE_BLOCK_ATTEMPTS_MAX; attempt++) {
            int base = FREE_BLOCK_BASE_MIN + random.nextInt(FREE_BLOCK_BASE_MAX - FREE_BLOCK_BASE_MIN);
            List<ServerSocket> bound = new ArrayList<>();
            try {
                for (int port = base; port < base + DemoCommand.PORTS_PER_DEMO; port++) {
                    ServerSocket socket = new ServerSocket();
                    bound.add(socket);
                    socket.setReuseAddress(true);
                    socket.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                }
                return base;
            } catch (IOException taken) {
                // One of the nine is in use: draw another base.
            } finally {
                for (ServerSocket socket : bound) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // A socket that cannot close was never bound; nothing holds the port.
                    }
                }
            }
        }
        return fail("found no nine consecutive free ports in " + FREE_BLOCK_ATTEMPTS_MAX + " attempts");
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + LINKS_UP_WAIT_MAX.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + LINKS_UP_WAIT_MAX + " waiting for " + what);
            }
            // A short pause between checks of the condition, not a wait for time to pass.
            Thread.sleep(20);
        }
    }
}
