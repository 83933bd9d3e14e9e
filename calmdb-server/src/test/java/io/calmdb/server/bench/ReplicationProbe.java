package io.calmdb.server.bench;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The measurements of {@code ./calmdb bench server} that redis-benchmark cannot make: replication lag at a fixed write
 * rate, write latency at that rate, and the encoded size of a small delta. It speaks RESP over plain sockets, so the
 * same code measures CalmDB and Redis. Not a test (its name does not end in Test): the bench script runs it.
 *
 * <p>Lag method: one writer sends {@code INCR key} to the write node, paced to a fixed rate (every millisecond it
 * sends the commands that are due, pipelined), and reads the replies on a second thread; since it is the key's only
 * writer, the i-th reply is the value i, and the probe records when it was sent and when its reply arrived. An
 * observer on the read node sends {@code GET key} in a loop; when a GET returns v at time t, every increment up to v
 * that was not seen before became visible there at t at the latest. The lag of an increment is its visibility time
 * minus its acknowledgement time (how long after the client was told "done" another region could read it), so
 * its error is at most one GET round trip, reported as the observer's poll interval. Both ends run in this one
 * JVM, so one monotonic clock times everything. The first second is warm-up and not counted.
 *
 * <p>Output is {@code name=value} lines on standard output, which the script parses.
 */
public final class ReplicationProbe {
    /** How long one socket read may block before the probe gives up, in milliseconds. */
    static final int SOCKET_TIMEOUT_MILLIS = 30_000;
    /** How long after the last write the observer may take to see it before the run is declared failed, in seconds. */
    static final long CATCH_UP_SECONDS_MAX = 60;
    /** Samples from the first part of the run are discarded: connection and JIT warm-up, in nanoseconds. */
    static final long WARM_UP_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The pacing step of the writer, in nanoseconds. */
    static final long PACING_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The most increments the probe records (bounds its memory): 60 s at 100,000 writes per second. */
    static final int WRITES_MAX = 6_000_000;

    private ReplicationProbe() {
    }

    /**
     * {@code lag HOST WRITE_PORT READ_PORT RATE_PER_SECOND SECONDS} or {@code delta-size}.
     */
    public static void main(String[] arguments) throws Exception {
        if (arguments.length >= 1 && arguments[0].equals("delta-size")) {
            deltaSizes();
            return;
        }
        if (arguments.length != 6 || !arguments[0].equals("lag")) {
            System.err.println("usage: ReplicationProbe lag HOST WRITE_PORT READ_PORT RATE_PER_SECOND SECONDS | delta-size");
            System.exit(2);
        }
        String host = arguments[1];
        int writePort = Integer.parseInt(arguments[2]);
        int readPort = Integer.parseInt(arguments[3]);
        int ratePerSecond = Integer.parseInt(arguments[4]);
        int seconds = Integer.parseInt(arguments[5]);
        if (ratePerSecond <= 0 || (long) ratePerSecond * seconds > WRITES_MAX) {
            throw new IllegalArgumentException("ratePerSecond * seconds must be in 1.." + WRITES_MAX);
        }
        lag(host, writePort, readPort, ratePerSecond, seconds);
    }

    /** Prints the encoded delta of the small operations the bench replicates (as redis-benchmark issues them). */
    private static void deltaSizes() throws Exception {
        Keyspace keyspace = new Keyspace(ReplicaId.of("virginia"));
        long now = 1_700_000_000_000L;
        Bytes key = Bytes.ofUtf8("key:000000012345");
        Bytes counter = Bytes.ofUtf8("counter:000000012345");
        Bytes set = Bytes.ofUtf8("myset");
        // The second write to a key is the steady state: the first may carry nothing to remove.
        keyspace.set(key, Bytes.ofUtf8("xxx"), now);
        System.out.println("delta_bytes_set=" + Codecs.encode(Keyspace.CODEC, keyspace.set(key, Bytes.ofUtf8("xxx"), now + 1).delta()).length);
        keyspace.incrementBy(counter, 1, now);
        System.out.println("delta_bytes_incr=" + Codecs.encode(Keyspace.CODEC, keyspace.incrementBy(counter, 1, now + 1).delta()).length);
        keyspace.setAdd(set, List.of(Bytes.ofUtf8("element:000000000001")), now);
        System.out.println("delta_bytes_sadd=" + Codecs.encode(Keyspace.CODEC,
                keyspace.setAdd(set, List.of(Bytes.ofUtf8("element:000000012345")), now + 1).delta()).length);
    }

    private static void lag(String host, int writePort, int readPort, int ratePerSecond, int seconds) throws Exception {
        int writes = ratePerSecond * seconds;
        byte[] key = ("lagprobe:" + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
        long[] sentNanos = new long[writes];
        long[] ackedNanos = new long[writes];
        long[] visibleNanos = new long[writes];
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong observed = new AtomicLong();
        long[] observerPolls = new long[1];
        Throwable[] failure = new Throwable[1];

        try (RespSocket writer = new RespSocket(host, writePort); RespSocket reader = new RespSocket(host, readPort)) {
            Thread acknowledger = new Thread(() -> {
                try {
                    for (int i = 0; i < writes; i++) {
                        long value = writer.readInteger();
                        ackedNanos[i] = System.nanoTime();
                        if (value != i + 1) {
                            throw new IllegalStateException("INCR reply " + value + " where " + (i + 1) + " was expected");
                        }
                        acknowledged.set(i + 1);
                    }
                } catch (Throwable error) {
                    failure[0] = error;
                }
            }, "probe-acknowledger");
            Thread observer = new Thread(() -> {
                try {
                    long seen = 0;
                    long deadline = Long.MAX_VALUE;
                    while (seen < writes) {
                        reader.send(List.of("GET".getBytes(StandardCharsets.US_ASCII), key));
                        long value = reader.readIntegerOrNil();
                        long now = System.nanoTime();
                        observerPolls[0]++;
                        for (long i = seen; i < value; i++) {
                            visibleNanos[(int) i] = now;
                        }
                        seen = Math.max(seen, value);
                        observed.set(seen);
                        if (acknowledged.get() == writes && deadline == Long.MAX_VALUE) {
                            deadline = now + TimeUnit.SECONDS.toNanos(CATCH_UP_SECONDS_MAX);
                        }
                        if (now > deadline || failure[0] != null) {
                            throw new IllegalStateException("the read node saw " + seen + " of " + writes + " writes");
                        }
                    }
                } catch (Throwable error) {
                    failure[0] = error;
                }
            }, "probe-observer");
            acknowledger.setDaemon(true);
            observer.setDaemon(true);
            acknowledger.start();
            observer.start();

            List<byte[]> incr = List.of("INCR".getBytes(StandardCharsets.US_ASCII), key);
            long start = System.nanoTime();
            int sent = 0;
            while (sent < writes && failure[0] == null) {
                long elapsed = System.nanoTime() - start;
                int due = (int) Math.min(writes, elapsed * ratePerSecond / 1_000_000_000L + 1);
                if (due > sent) {
                    long now = System.nanoTime();
                    for (; sent < due; sent++) {
                        sentNanos[sent] = now;
                        writer.append(incr);
                    }
                    writer.flush();
                }
                LockSupport.parkNanos(PACING_STEP_NANOS);
            }
            long sendEnd = System.nanoTime();
            acknowledger.join(TimeUnit.SECONDS.toMillis(CATCH_UP_SECONDS_MAX));
            observer.join(TimeUnit.SECONDS.toMillis(2 * CATCH_UP_SECONDS_MAX));
            if (failure[0] != null) {
                throw new IllegalStateException("probe failed", failure[0]);
            }
            if (acknowledged.get() != writes || observed.get() != writes) {
                throw new IllegalStateException("acknowledged " + acknowledged.get() + ", observed " + observed.get()
                        + " of " + writes);
            }
            int first = 0;
            while (first < writes && sentNanos[first] - start < WARM_UP_NANOS) {
                first++;
            }
            int counted = writes - first;
            long[] lag = new long[counted];
            long[] latency = new long[counted];
            for (int i = first; i < writes; i++) {
                lag[i - first] = Math.max(0, visibleNanos[i] - ackedNanos[i]);
                latency[i - first] = ackedNanos[i] - sentNanos[i];
            }
            Arrays.sort(lag);
            Arrays.sort(latency);
            double sendSeconds = (sendEnd - start) / 1e9;
            double ackSeconds = (ackedNanos[writes - 1] - start) / 1e9;
            print("writes", writes);
            print("rate_target_per_second", ratePerSecond);
            print("rate_acknowledged_per_second", Math.round(writes / ackSeconds));
            print("send_seconds", String.format(Locale.ROOT, "%.2f", sendSeconds));
            print("lag_p50_millis", millis(percentile(lag, 0.50)));
            print("lag_p99_millis", millis(percentile(lag, 0.99)));
            print("lag_max_millis", millis(lag[counted - 1]));
            print("write_latency_p50_millis", millis(percentile(latency, 0.50)));
            print("write_latency_p99_millis", millis(percentile(latency, 0.99)));
            print("observer_poll_micros", Math.round((visibleNanos[writes - 1] - start) / 1e3 / Math.max(1, observerPolls[0])));
        }
    }

    private static long percentile(long[] sorted, double fraction) {
        int index = (int) Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
        return sorted[Math.max(0, index)];
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static void print(String name, Object value) {
        System.out.println(name + "=" + value);
    }

    /** A blocking RESP2 connection with just enough of the protocol for INCR and GET. */
    private static final class RespSocket implements AutoCloseable {
        private final Socket socket;
        private final InputStream input;
        private final OutputStream output;

        RespSocket(String host, int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), SOCKET_TIMEOUT_MILLIS);
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            input = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            output = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        }

        void append(List<byte[]> arguments) throws IOException {
            output.write(('*' + Integer.toString(arguments.size()) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            for (byte[] argument : arguments) {
                output.write(('$' + Integer.toString(argument.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                output.write(argument);
                output.write('\r');
                output.write('\n');
            }
        }

        void flush() throws IOException {
            output.flush();
        }

        void send(List<byte[]> arguments) throws IOException {
            append(arguments);
            flush();
        }

        /** Reads an integer reply ({@code :n}). */
        long readInteger() throws IOException {
            int type = input.read();
            String line = readLine();
            if (type != ':') {
                throw new IOException("expected an integer reply, got '" + (char) type + line + "'");
            }
            return Long.parseLong(line);
        }

        /** Reads a bulk reply holding an integer, or nil (as 0). */
        long readIntegerOrNil() throws IOException {
            int type = input.read();
            String line = readLine();
            if (type != '$') {
                throw new IOException("expected a bulk reply, got '" + (char) type + line + "'");
            }
            int length = Integer.parseInt(line);
            if (length < 0) {
                return 0;
            }
            String value = new String(input.readNBytes(length), StandardCharsets.US_ASCII);
            readLine();
            return Long.parseLong(value);
        }

        private String readLine() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                int next = input.read();
                if (next < 0) {
                    throw new IOException("connection closed");
                }
                if (next == '\r') {
                    input.read();
                    return line.toString();
                }
                line.append((char) next);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
