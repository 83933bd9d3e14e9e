package io.calmdb.server.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Malformed and hostile RESP against a real node process over raw sockets: truncated frames (every prefix of a
 * {@code DEL} that would delete a real key), huge and negative length headers, seeded binary garbage, and hundreds of
 * connections held open at once. Protocol errors get Redis-style errors; the process stays alive, a client
 * connected throughout keeps working, and no key changes (every value and the state digest are the same after).
 */
class HostileRespInputTest {
    static final long SEED = Long.getLong("calmdb.faults.seed", 5_550_123L);
    /** Bounds every raw socket read, in milliseconds. */
    static final int READ_TIMEOUT_MILLIS = 5_000;
    static final int GARBAGE_CONNECTIONS = 40;
    static final int GARBAGE_BYTES_MAX = 4_096;
    /** Connections held open at once (well under the node's default limit of 10,000). */
    static final int CONCURRENT_CONNECTIONS = 300;
    /** The most reply bytes read back from one hostile connection. */
    static final int REPLY_BYTES_MAX = 1 << 20;

    @RegisterExtension
    final ProcessClusters clusters = new ProcessClusters();

    @TempDir
    Path directory;

    @Test
    void hostileInput_getsErrors_neverCrashesTheNode_neverChangesAKey() throws Exception {
        System.out.println("HostileRespInputTest seed " + SEED + " (replay with -Dcalmdb.faults.seed=" + SEED + ")");
        ProcessCluster cluster = clusters.start(directory, List.of("solo"), "always");
        NodeProcess node = cluster.node("solo");
        try (Jedis bystander = node.client()) {
            for (int i = 0; i < 10; i++) {
                bystander.set("string:" + i, "value-" + i);
                bystander.incrBy("counter:" + i, i + 1);
                bystander.sadd("set:" + i, "a" + i, "b" + i);
                bystander.hset("hash:" + i, Map.of("f", "v" + i));
            }
            String digestBefore = Faults.digest(node);
            Map<String, String> valuesBefore = Faults.values(node);

            // Every proper prefix of a command that would delete a key, then the connection closes.
            byte[] delete = multibulk("DEL", "string:0", "set:0", "hash:0", "counter:0");
            for (int length = 1; length < delete.length; length++) {
                try (Socket socket = connect(node)) {
                    socket.getOutputStream().write(delete, 0, length);
                    socket.getOutputStream().flush();
                }
            }
            assertThat(bystander.exists("string:0")).as("a truncated DEL deleted nothing").isTrue();

            // Length headers that must be refused before any memory is reserved for them.
            assertThat(exchange(node, "*-5\r\n")).startsWith("-ERR Protocol error: invalid multibulk length");
            assertThat(exchange(node, "*99999999999999999999\r\n")).startsWith("-ERR Protocol error");
            assertThat(exchange(node, "*2147483648\r\n")).startsWith("-ERR Protocol error");
            assertThat(exchange(node, "*2\r\n$3\r\nGET\r\n$9999999999\r\n")).startsWith("-ERR Protocol error");
            assertThat(exchange(node, "*2\r\n$3\r\nDEL\r\n$-7\r\n")).startsWith("-ERR Protocol error");
            assertThat(exchange(node, "*1\r\n$" + "9".repeat(64) + "\r\n")).startsWith("-ERR Protocol error");
            assertThat(exchange(node, "*2\r\n$3\r\nDEL\r\n$8\r\nstring:1XY")).startsWith("-ERR Protocol error");
            assertThat(exchange(node, "*1\r\n+DEL\r\n")).startsWith("-ERR Protocol error");
            // A huge declared value whose bytes never come: the connection is simply closed by the client.
            try (Socket socket = connect(node)) {
                socket.getOutputStream().write(ascii("*3\r\n$3\r\nSET\r\n$8\r\nstring:2\r\n$16000000\r\npartial"));
                socket.getOutputStream().flush();
            }
            assertThat(bystander.ping()).isEqualTo("PONG");

            // Seeded binary garbage, one connection each.
            Random random = new Random(SEED);
            for (int i = 0; i < GARBAGE_CONNECTIONS; i++) {
                byte[] garbage = new byte[1 + random.nextInt(GARBAGE_BYTES_MAX)];
                random.nextBytes(garbage);
                exchange(node, garbage);
            }

            // Many connections at once, each with a half-sent command, while the bystander keeps working.
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < CONCURRENT_CONNECTIONS; i++) {
                    Socket socket = connect(node);
                    held.add(socket);
                    socket.getOutputStream().write(ascii("*2\r\n$3\r\nDEL\r\n$8\r\nstring:" + (i % 10)));
                    socket.getOutputStream().flush();
                }
                assertThat(bystander.get("string:3")).isEqualTo("value-3");
                try (Jedis another = node.client()) {
                    assertThat(another.ping()).as("a new client is served while " + CONCURRENT_CONNECTIONS
                            + " connections are held").isEqualTo("PONG");
                }
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }

            assertThat(node.alive()).as("the node process is alive").isTrue();
            assertThat(bystander.ping()).as("the client connected throughout is unaffected").isEqualTo("PONG");
            assertThat(Faults.values(node)).as("every key's value").isEqualTo(valuesBefore);
            assertThat(Faults.digest(node)).as("the state digest").isEqualTo(digestBefore);
        }
        assertThat(node.answersPing()).isTrue();
    }

    /** Connections of the crowd test, each sending 40 MiB of a 48 MiB command and never the end of it. */
    static final int CROWD_CONNECTIONS = 12;
    /** The value size of the crowd's MSET arguments: the node's 16 MiB bulk bound. */
    static final int CROWD_VALUE_BYTES = 16 * 1024 * 1024;

    @Test
    void aCrowdOfPartialCommands_getsErrorsAndDisconnects_neverOutOfMemory() throws Exception {
        // Before the query buffer budget, nine such connections drove a node with a 256 MB heap to OutOfMemoryError.
        ProcessCluster cluster = clusters.start(directory, List.of("crowd"), "always");
        NodeProcess node = cluster.node("crowd");
        try (Jedis bystander = node.client()) {
            bystander.set("kept", "safe");
            byte[] value = new byte[CROWD_VALUE_BYTES];
            java.util.Arrays.fill(value, (byte) 'x');
            List<Socket> crowd = new ArrayList<>();
            int refused = 0;
            try {
                for (int i = 0; i < CROWD_CONNECTIONS; i++) {
                    Socket socket = connect(node);
                    crowd.add(socket);
                    try {
                        java.io.OutputStream out = socket.getOutputStream();
                        // Two whole values and half of a third: 40 MiB, under the 64 MiB bound of one command.
                        out.write(ascii("*7\r\n$4\r\nMSET\r\n"));
                        for (int argument = 0; argument < 2; argument++) {
                            out.write(ascii("$5\r\nkey:" + argument + "\r\n$" + CROWD_VALUE_BYTES + "\r\n"));
                            out.write(value);
                            out.write(ascii("\r\n"));
                        }
                        out.write(ascii("$5\r\nkey:2\r\n$" + CROWD_VALUE_BYTES + "\r\n"));
                        out.write(value, 0, CROWD_VALUE_BYTES / 2);
                        out.flush();
                    } catch (IOException closedByTheNode) {
                        refused++;
                    }
                }
                assertThat(bystander.get("kept")).as("a client connected throughout is served").isEqualTo("safe");
            } finally {
                for (Socket socket : crowd) {
                    socket.close();
                }
            }
            String stats = bystander.info("stats");
            System.out.println("HostileRespInputTest crowd: " + refused + " of " + CROWD_CONNECTIONS
                    + " writers saw their connection closed; " + stats.lines()
                    .filter(line -> line.startsWith("client_query")).toList());
            assertThat(stats).as("INFO stats counts the disconnections")
                    .doesNotContain("client_query_budget_disconnections:0\r\n");
            assertThat(node.alive()).as("the node process is alive").isTrue();
            assertThat(bystander.exists("key:0")).as("no partial command ran").isFalse();
            assertThat(bystander.set("after", "ok")).isEqualTo("OK");
            assertThat(bystander.get("kept")).isEqualTo("safe");
        }
        assertThat(node.logs()).doesNotContain("OutOfMemoryError");
    }

    private static Socket connect(NodeProcess node) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", node.respPort()), READ_TIMEOUT_MILLIS);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        return socket;
    }

    private static String exchange(NodeProcess node, String request) throws IOException {
        return exchange(node, ascii(request));
    }

    /**
     * Sends {@code request}, closes the sending side, and reads replies until the server closes the connection (or
     * the bounded read times out); returns what arrived as text.
     */
    private static String exchange(NodeProcess node, byte[] request) throws IOException {
        try (Socket socket = connect(node)) {
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
                socket.shutdownOutput();
            } catch (IOException closedEarly) {
                // The server may close a connection after its protocol error before all garbage is written.
            }
            ByteArrayOutputStream replies = new ByteArrayOutputStream();
            InputStream input = socket.getInputStream();
            byte[] buffer = new byte[8_192];
            try {
                for (int read; replies.size() < REPLY_BYTES_MAX && (read = input.read(buffer)) >= 0; ) {
                    replies.write(buffer, 0, read);
                }
            } catch (SocketTimeoutException | java.net.SocketException stopped) {
                // A reset or a silent server ends the exchange; the assertions look at what arrived.
            }
            return replies.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static byte[] multibulk(String... arguments) {
        StringBuilder request = new StringBuilder("*").append(arguments.length).append("\r\n");
        for (String argument : arguments) {
            request.append('$').append(argument.length()).append("\r\n").append(argument).append("\r\n");
        }
        return ascii(request.toString());
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
