package io.calmdb.server.node;

import static io.calmdb.server.node.TestCluster.REGIONS;
import static io.calmdb.server.node.TestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Pub/sub commands on one node, byte for byte as Redis 7.0.15 answers them (each expected frame below was taken from
 * a real redis-server): RESP2 subscribed mode and its refusals, RESP3 pushes, PUBSUB introspection, and the output
 * bound that disconnects a subscriber that stopped reading.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PubSubCommandsTest {
    private TestCluster cluster;
    private int port;

    @BeforeAll
    void start(@TempDir Path directory) {
        cluster = new TestCluster(directory);
        port = cluster.node(REGIONS.get(0)).respPort();
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    /** A raw RESP connection that compares exact bytes. */
    static final class Wire implements AutoCloseable {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;

        Wire(int port) throws IOException {
            this(port, 0);
        }

        Wire(int port, int receiveBufferBytes) throws IOException {
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(5_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String... arguments) throws IOException {
            StringBuilder frame = new StringBuilder("*" + arguments.length + "\r\n");
            for (String argument : arguments) {
                frame.append('$').append(argument.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                        .append(argument).append("\r\n");
            }
            out.write(frame.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Reads exactly as many bytes as {@code expected} has and returns them. */
        String read(String expected) throws IOException {
            byte[] bytes = in.readNBytes(expected.getBytes(StandardCharsets.UTF_8).length);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        void expect(String expected) throws IOException {
            assertThat(read(expected)).isEqualTo(expected);
        }

        String call(String expected, String... arguments) throws IOException {
            send(arguments);
            return read(expected);
        }

        /** True when nothing more arrives within a short wait (the bytes so far were the whole answer). */
        boolean quiet() throws IOException {
            socket.setSoTimeout(200);
            try {
                return in.read() < 0;
            } catch (SocketTimeoutException nothing) {
                return true;
            } finally {
                socket.setSoTimeout(5_000);
            }
        }

        boolean closedByServer() throws IOException {
            socket.setSoTimeout(30_000);
            byte[] sink = new byte[1 << 16];
            try {
                while (true) {
                    if (in.read(sink) < 0) {
                        return true;
                    }
                }
            } catch (SocketTimeoutException stillOpen) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static String subscribeFrame(String kind, String channel, int count) {
        return "*3\r\n$" + kind.length() + "\r\n" + kind + "\r\n$" + channel.length() + "\r\n" + channel + "\r\n:"
                + count + "\r\n";
    }

    @Test
    void aResp2Subscriber_getsOneFramePerChannel_andMayRunOnlySubscriptionCommands() throws IOException {
        try (Wire wire = new Wire(port)) {
            String expected = subscribeFrame("subscribe", "a", 1) + subscribeFrame("subscribe", "b", 2);
            assertThat(wire.call(expected, "SUBSCRIBE", "a", "b")).isEqualTo(expected);
            String refused = "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
                    + "are allowed in this context\r\n";
            assertThat(wire.call(refused, "GET", "x")).isEqualTo(refused);
            String refusedSubcommand = "-ERR Can't execute 'pubsub|numsub': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / "
                    + "PING / QUIT / RESET are allowed in this context\r\n";
            assertThat(wire.call(refusedSubcommand, "PUBSUB", "NUMSUB", "a")).isEqualTo(refusedSubcommand);
            assertThat(wire.call("*2\r\n$4\r\npong\r\n$0\r\n\r\n", "PING")).isEqualTo("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
            assertThat(wire.call("*2\r\n$4\r\npong\r\n$2\r\nhi\r\n", "PING", "hi"))
                    .isEqualTo("*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
            String all = subscribeFrame("unsubscribe", "a", 1) + subscribeFrame("unsubscribe", "b", 0);
            assertThat(wire.call(all, "UNSUBSCRIBE")).isEqualTo(all);
            String none = "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n";
            assertThat(wire.call(none, "UNSUBSCRIBE")).isEqualTo(none);
            String nonePattern = "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n";
            assertThat(wire.call(nonePattern, "PUNSUBSCRIBE")).isEqualTo(nonePattern);
            assertThat(wire.call("$-1\r\n", "GET", "x")).isEqualTo("$-1\r\n");
            assertThat(wire.quiet()).isTrue();
        }
    }

    @Test
    void channelsAndPatterns_countTogether_andPunsubscribeWithoutArgumentsDropsEveryPattern() throws IOException {
        try (Wire wire = new Wire(port)) {
            wire.send("SUBSCRIBE", "a");
            wire.expect(subscribeFrame("subscribe", "a", 1));
            wire.send("PSUBSCRIBE", "h*");
            wire.expect(subscribeFrame("psubscribe", "h*", 2));
            wire.send("PUNSUBSCRIBE");
            wire.expect(subscribeFrame("punsubscribe", "h*", 1));
            wire.send("UNSUBSCRIBE", "nosuch");
            wire.expect(subscribeFrame("unsubscribe", "nosuch", 1));
            wire.send("RESET");
            wire.expect("+RESET\r\n");
            wire.send("PUBSUB", "NUMSUB", "a");
            wire.expect("*2\r\n$1\r\na\r\n:0\r\n");
        }
    }

    @Test
    void aResp3Subscriber_getsPushFrames_andMayStillRunAnyCommand() throws IOException {
        try (Wire subscriber = new Wire(port); Jedis publisher = new Jedis("127.0.0.1", port, 10_000)) {
            subscriber.send("HELLO", "3");
            subscriber.send("ECHO", "marker");
            drainUntil(subscriber, "$6\r\nmarker\r\n");
            subscriber.send("SUBSCRIBE", "news");
            subscriber.expect(">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
            subscriber.send("PSUBSCRIBE", "n*");
            subscriber.expect(">3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:2\r\n");
            subscriber.send("GET", "nothing");
            subscriber.expect("_\r\n");
            subscriber.send("PING");
            subscriber.expect("+PONG\r\n");
            assertThat(publisher.publish("news", "hello")).isEqualTo(2);
            subscriber.expect(">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
            subscriber.expect(">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
            assertThat(publisher.publish("other", "x")).isZero();
            assertThat(subscriber.quiet()).isTrue();
        }
    }

    private static void drainUntil(Wire wire, String tail) throws IOException {
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().endsWith(tail)) {
            seen.append(wire.read("x"));
        }
    }

    @Test
    void pubsubIntrospection_countsThisNodesSubscribers() throws IOException {
        try (Wire one = new Wire(port); Wire two = new Wire(port); Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            one.send("SUBSCRIBE", "intro.a", "intro.b");
            one.expect(subscribeFrame("subscribe", "intro.a", 1) + subscribeFrame("subscribe", "intro.b", 2));
            two.send("SUBSCRIBE", "intro.a");
            two.expect(subscribeFrame("subscribe", "intro.a", 1));
            two.send("PSUBSCRIBE", "intro.*");
            two.expect(subscribeFrame("psubscribe", "intro.*", 2));
            assertThat(jedis.pubsubChannels("intro.*")).containsExactly("intro.a", "intro.b");
            assertThat(jedis.pubsubNumSub("intro.a", "intro.b", "intro.c"))
                    .containsEntry("intro.a", 2L).containsEntry("intro.b", 1L).containsEntry("intro.c", 0L);
            assertThat(jedis.pubsubNumPat()).isEqualTo(1);
            // Two channel subscribers and one matching pattern, as Redis counts a PUBLISH.
            assertThat(jedis.publish("intro.a", "m")).isEqualTo(3);
            one.expect("*3\r\n$7\r\nmessage\r\n$7\r\nintro.a\r\n$1\r\nm\r\n");
            two.expect("*3\r\n$7\r\nmessage\r\n$7\r\nintro.a\r\n$1\r\nm\r\n"
                    + "*4\r\n$8\r\npmessage\r\n$7\r\nintro.*\r\n$7\r\nintro.a\r\n$1\r\nm\r\n");
        }
        // Closed connections leave no subscription behind.
        try (Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            awaitTrue("the closed subscribers' channels are gone", () -> jedis.pubsubChannels("intro.*").isEmpty());
            assertThat(jedis.pubsubNumPat()).isZero();
        }
    }

    @Test
    void aScriptMayPublish_butNotSubscribe() throws IOException {
        try (Wire subscriber = new Wire(port); Jedis jedis = new Jedis("127.0.0.1", port, 10_000)) {
            subscriber.send("SUBSCRIBE", "lua.news");
            subscriber.expect(subscribeFrame("subscribe", "lua.news", 1));
            assertThat(jedis.eval("return redis.call('publish', 'lua.news', 'from a script')")).isEqualTo(1L);
            subscriber.expect("*3\r\n$7\r\nmessage\r\n$8\r\nlua.news\r\n$13\r\nfrom a script\r\n");
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                    jedis.eval("return redis.call('subscribe', 'x')"))).hasMessageContaining("not allowed from script");
        }
    }

    @Test
    void pubsubErrors_useRedisWording() throws IOException {
        try (Wire wire = new Wire(port)) {
            String unknown = "-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n";
            assertThat(wire.call(unknown, "PUBSUB", "FOO")).isEqualTo(unknown);
            String arity = "-ERR wrong number of arguments for 'publish' command\r\n";
            assertThat(wire.call(arity, "PUBLISH", "a")).isEqualTo(arity);
            String subscribeArity = "-ERR wrong number of arguments for 'subscribe' command\r\n";
            assertThat(wire.call(subscribeArity, "SUBSCRIBE")).isEqualTo(subscribeArity);
        }
    }

    @Test
    void aSubscriberThatStopsReading_isDisconnectedAtTheOutputBound_andThePublisherGoesOn() throws IOException {
        String megabyte = "x".repeat(1024 * 1024);
        try (Wire slow = new Wire(port, 4096); Jedis publisher = new Jedis("127.0.0.1", port, 30_000)) {
            slow.send("SUBSCRIBE", "firehose");
            slow.expect(subscribeFrame("subscribe", "firehose", 1));
            // 32 MiB is the bound; the socket buffers take a few MiB more before it is reached.
            long reached = 0;
            for (int i = 0; i < 80 && publisher.pubsubNumSub("firehose").get("firehose") > 0; i++) {
                reached += publisher.publish("firehose", megabyte);
            }
            assertThat(reached).isBetween(1L, 79L);
            assertThat(publisher.pubsubNumSub("firehose")).containsEntry("firehose", 0L);
            assertThat(slow.closedByServer()).isTrue();
            assertThat(publisher.ping()).isEqualTo("PONG");
        }
    }
}
