package io.calmdb.server.transport;

import static org.assertj.core.api.Assertions.fail;

import io.calmdb.crdt.ReplicaId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/** Shared pieces of the transport tests: an inbox listener, fast test limits, ports and bounded waiting. */
final class TransportTestSupport {
    /** Upper bound of every wait in these tests; conditions normally hold within milliseconds. */
    static final Duration WAIT_MAX = Duration.ofSeconds(20);
    static final String CLUSTER = "test-cluster";

    private TransportTestSupport() {
    }

    /** Records every message as text, per sender, in arrival order. */
    static final class Inbox implements TransportListener {
        private final Map<ReplicaId, List<String>> received = new ConcurrentHashMap<>();

        @Override
        public void onMessage(ReplicaId from, byte[] message) {
            received.computeIfAbsent(from, key -> Collections.synchronizedList(new ArrayList<>()))
                    .add(new String(message, StandardCharsets.UTF_8));
        }

        List<String> from(ReplicaId peer) {
            List<String> messages = received.get(peer);
            if (messages == null) {
                return List.of();
            }
            synchronized (messages) {
                return List.copyOf(messages);
            }
        }

        int total() {
            return received.values().stream().mapToInt(List::size).sum();
        }
    }

    /** Test limits: quick reconnection and handshake timeouts so failures surface fast, one event loop. */
    static TransportConfig.Builder fastConfig(ReplicaId self, String cluster) {
        return TransportConfig.builder(self, cluster)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .handshakeTimeout(Duration.ofSeconds(2))
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(3))
                .connectTimeout(Duration.ofSeconds(2))
                .ioThreads(1);
    }

    /**
     * A port nobody listens on right now, for a peer that starts later; the small race with other processes
     * taking it in between is accepted, as everywhere this idiom is used.
     */
    static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
    }

    static byte[] text(String message) {
        return message.getBytes(StandardCharsets.UTF_8);
    }

    /** Polls {@code condition} until it holds, failing with {@code what} after {@link #WAIT_MAX}. */
    static void awaitCondition(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_MAX.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + WAIT_MAX + " waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting until " + what);
            }
        }
    }

    static LinkSnapshot link(PeerTransport transport, ReplicaId peer) {
        return transport.snapshot().link(peer).orElseThrow();
    }

    static void awaitLinkUp(PeerTransport transport, ReplicaId peer) {
        awaitCondition(transport.self() + "'s link to " + peer + " is up",
                () -> link(transport, peer).state() == LinkState.UP);
    }

    static List<String> numbered(String prefix, int count) {
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(prefix + "-" + i);
        }
        return messages;
    }

    /** Writes one encoded frame to a raw socket and releases it. */
    static void write(java.net.Socket socket, io.netty.buffer.ByteBuf frame) throws java.io.IOException {
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        frame.release();
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** Reads until the node closes the connection and returns what it sent (a rejection, if any). */
    static byte[] readUntilClosed(java.net.Socket socket) throws java.io.IOException {
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        java.io.InputStream in = socket.getInputStream();
        byte[] buffer = new byte[1024];
        try {
            while (true) {
                int count = in.read(buffer);
                if (count < 0) {
                    return received.toByteArray();
                }
                received.write(buffer, 0, count);
            }
        } catch (java.net.SocketTimeoutException timeout) {
            return fail("the node did not close the connection within " + WAIT_MAX);
        } catch (java.net.SocketException reset) {
            return received.toByteArray();
        }
    }
}
