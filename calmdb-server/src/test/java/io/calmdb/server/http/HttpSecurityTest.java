package io.calmdb.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.CalmServer;
import io.calmdb.server.node.NodeConfig;
import io.calmdb.server.resp.RespServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API against browsers and strangers, over raw sockets so every header is the test's own: a token for
 * writes, JSON only, no CORS, same-origin writes, and the Host check of a node without a token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpSecurityTest {
    private static final String TOKEN = "s3cret-token-for-writes";
    private CalmServer withToken;
    private CalmServer withoutToken;

    @BeforeAll
    void start(@TempDir Path directory) {
        withToken = CalmServer.start(NodeConfig.builder("http-security", ReplicaId.of("virginia"), directory.resolve("a"))
                .security(new NodeConfig.Security(null, true, null, TOKEN,
                        RespServerConfig.QUERY_BUFFERS_BYTES_MAX_DEFAULT, null))
                .build());
        withoutToken = CalmServer.start(NodeConfig.builder("http-security", ReplicaId.of("virginia"),
                directory.resolve("b")).build());
    }

    @AfterAll
    void stop() {
        withToken.close();
        withoutToken.close();
    }

    /** Sends one request and returns the whole response (status line, headers, body). */
    private static String exchange(int port, String method, String path, String headers, String body)
            throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            byte[] payload = body.getBytes(StandardCharsets.UTF_8);
            String request = method + " " + path + " HTTP/1.1\r\n" + headers + "Content-Length: " + payload.length
                    + "\r\nConnection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String host(int port) {
        return "Host: 127.0.0.1:" + port + "\r\n";
    }

    private static final String PUT_BODY = "{\"type\":\"string\",\"value\":\"v\"}";

    @Test
    void withAToken_writesNeedItAndJson_readsDoNot() throws IOException {
        int port = withToken.httpPort();
        String json = "Content-Type: application/json\r\n";
        assertThat(exchange(port, "PUT", "/v1/keys/k", host(port) + json, PUT_BODY))
                .startsWith("HTTP/1.1 401").contains("WWW-Authenticate: Bearer");
        assertThat(exchange(port, "PUT", "/v1/keys/k", host(port) + json + "Authorization: Bearer wrong\r\n", PUT_BODY))
                .startsWith("HTTP/1.1 401");
        String auth = "Authorization: Bearer " + TOKEN + "\r\n";
        assertThat(exchange(port, "PUT", "/v1/keys/k", host(port) + "Content-Type: text/plain\r\n" + auth, PUT_BODY))
                .startsWith("HTTP/1.1 415");
        assertThat(exchange(port, "POST", "/v1/cluster/partition", host(port) + auth, "")).startsWith("HTTP/1.1 415");
        assertThat(exchange(port, "PUT", "/v1/keys/k", host(port) + json + auth + "Origin: http://evil.example\r\n",
                PUT_BODY)).startsWith("HTTP/1.1 403");
        assertThat(exchange(port, "PUT", "/v1/keys/k", host(port) + json + auth
                + "Origin: http://127.0.0.1:" + port + "\r\n", PUT_BODY)).startsWith("HTTP/1.1 200");
        assertThat(exchange(port, "GET", "/v1/keys/k", host(port), "")).startsWith("HTTP/1.1 200").contains("\"v\"");
    }

    @Test
    void noResponseCarriesCorsHeaders_soAPreflightIsNeverApproved() throws IOException {
        int port = withToken.httpPort();
        String preflight = exchange(port, "OPTIONS", "/v1/keys/k", host(port) + "Origin: http://evil.example\r\n"
                + "Access-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: content-type\r\n", "");
        assertThat(preflight.toLowerCase(java.util.Locale.ROOT)).doesNotContain("access-control-allow");
        String read = exchange(port, "GET", "/health", host(port) + "Origin: http://evil.example\r\n", "");
        assertThat(read.toLowerCase(java.util.Locale.ROOT)).doesNotContain("access-control-allow");
    }

    @Test
    void withoutAToken_aBrowserStylePostIsRefused_andARebindingHostIsRefused() throws IOException {
        int port = withoutToken.httpPort();
        // What a web page can make a browser send without a preflight: text/plain.
        assertThat(exchange(port, "PUT", "/v1/keys/pwn", host(port) + "Content-Type: text/plain\r\n", PUT_BODY))
                .startsWith("HTTP/1.1 415");
        assertThat(exchange(port, "POST", "/v1/keys/pwn/increment",
                host(port) + "Content-Type: application/x-www-form-urlencoded\r\n", "{\"by\":1}"))
                .startsWith("HTTP/1.1 415");
        assertThat(exchange(port, "GET", "/v1/keys/pwn", "Host: attacker.example:" + port + "\r\n", ""))
                .startsWith("HTTP/1.1 403");
        assertThat(exchange(port, "GET", "/v1/keys/pwn", host(port), "")).startsWith("HTTP/1.1 404");
        assertThat(exchange(port, "PUT", "/v1/keys/ok", "Host: localhost:" + port
                + "\r\nContent-Type: application/json; charset=utf-8\r\n", PUT_BODY)).startsWith("HTTP/1.1 200");
    }

    @Test
    void loopbackHostNames_areRecognised() {
        assertThat(HttpGuard.isLoopbackHost("127.0.0.1:7080")).isTrue();
        assertThat(HttpGuard.isLoopbackHost("localhost")).isTrue();
        assertThat(HttpGuard.isLoopbackHost("[::1]:7080")).isTrue();
        assertThat(HttpGuard.isLoopbackHost("127.0.0.1.evil.example")).isFalse();
        assertThat(HttpGuard.isLoopbackHost("evil.example:7080")).isFalse();
        assertThat(HttpGuard.isLoopbackHost(null)).isFalse();
    }
}
