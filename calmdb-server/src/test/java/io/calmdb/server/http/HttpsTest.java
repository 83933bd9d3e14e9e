package io.calmdb.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.CalmServer;
import io.calmdb.server.node.NodeConfig;
import io.calmdb.server.resp.RespServerConfig;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API over TLS, with certificates from {@code scripts/make-ca.sh}: a client trusting the private CA is
 * served, plain HTTP is not, and a write is authenticated either by the bearer token or by a client certificate
 * the CA signed; one without either is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsTest {
    private static final String TOKEN = "https-test-token";
    private CalmServer server;
    private Path tls;

    @BeforeAll
    void start(@TempDir Path directory) throws Exception {
        tls = directory.resolve("tls");
        Path script = Path.of("..", "scripts", "make-ca.sh").toAbsolutePath().normalize();
        Process make = new ProcessBuilder("bash", script.toString(), tls.toString(), "virginia", "frankfurt")
                .redirectErrorStream(true).start();
        make.getOutputStream().close();
        assertThat(make.waitFor(60, TimeUnit.SECONDS)).as("make-ca.sh finished").isTrue();
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(make.exitValue()).as("make-ca.sh: %s", output).isZero();
        NodeConfig.Tls files = new NodeConfig.Tls(tls.resolve("virginia.crt"), tls.resolve("virginia.key"),
                tls.resolve("ca.crt"), false);
        server = CalmServer.start(NodeConfig.builder("https-test", ReplicaId.of("virginia"), directory.resolve("data"))
                .security(new NodeConfig.Security(null, true, null, TOKEN,
                        RespServerConfig.QUERY_BUFFERS_BYTES_MAX_DEFAULT, null, files))
                .build());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A client that trusts the private CA and, when {@code region} is set, presents that region's certificate. */
    private HttpClient client(String region) throws IOException {
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(tls.resolve("ca.crt").toFile());
        if (region != null) {
            builder.keyManager(tls.resolve(region + ".crt").toFile(), tls.resolve(region + ".key").toFile());
        }
        SSLContext context = ((JdkSslContext) builder.build()).context();
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private URI uri(String path) {
        return URI.create("https://localhost:" + server.httpPort() + path);
    }

    private HttpResponse<String> put(HttpClient client, String key, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/v1/keys/" + key)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"type\":\"string\",\"value\":\"v\"}"));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aClientTrustingThePrivateCa_readsOverHttps() throws Exception {
        HttpResponse<String> health = client(null).send(HttpRequest.newBuilder(uri("/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\"");
    }

    @Test
    void aClientThatDoesNotTrustTheCa_isRefusedInTheHandshake() {
        HttpClient stranger = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> stranger.send(HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void plainHttp_isNotServed() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.httpPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] answer;
            try (InputStream in = socket.getInputStream()) {
                answer = in.readAllBytes();
            } catch (java.net.SocketException reset) {
                answer = new byte[0];
            }
            assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("\"status\"");
        }
    }

    @Test
    void writes_needTheTokenOrAClientCertificateFromTheCa() throws Exception {
        HttpClient anonymous = client(null);
        assertThat(put(anonymous, "anonymous", null).statusCode()).isEqualTo(401);
        assertThat(put(anonymous, "with-token", TOKEN).statusCode()).isEqualTo(200);
        assertThat(put(client("frankfurt"), "with-certificate", null).statusCode()).isEqualTo(200);
        HttpResponse<String> read = anonymous.send(HttpRequest.newBuilder(uri("/v1/keys/with-certificate"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read.body()).contains("\"value\":\"v\"");
    }
}
