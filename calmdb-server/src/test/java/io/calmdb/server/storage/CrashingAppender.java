package io.calmdb.server.storage;

import io.calmdb.crdt.ReplicaId;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child process of {@link CrashRecoveryTest}: appends records from several threads forever and prints
 * {@code ACK <sequence>} for each record once its future completed, until the test kills it with SIGKILL. The
 * payload repeats the sequence number so the test can check the record's contents, not only its presence.
 */
final class CrashingAppender {
    static final String CLUSTER = "crash-test";
    static final ReplicaId REPLICA = ReplicaId.of("child");
    static final String READY_LINE = "READY";
    static final String ACK_PREFIX = "ACK ";

    /** Appending threads; several, so that group commit really forms groups. */
    private static final int APPENDER_THREADS = 4;

    /** The most appends one thread has waiting at once, so the child cannot run ahead of the disk unboundedly. */
    private static final int APPENDS_IN_FLIGHT_PER_THREAD_MAX = 64;

    private CrashingAppender() {
    }

    public static void main(String[] arguments) throws Exception {
        Path directory = Path.of(arguments[0]);
        FsyncPolicy policy = FsyncPolicy.fromConfigName(arguments[1]);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        NodeStorage storage = NodeStorage.open(new StorageOptions(directory, CLUSTER, REPLICA, policy),
                new RecoveryVisitor() {
                    @Override
                    public void checkpointState(byte[] key, byte[] state) {
                    }

                    @Override
                    public void logRecord(LogRecord record) {
                    }
                });
        AtomicLong sequences = new AtomicLong();
        out.println(READY_LINE);
        for (int thread = 0; thread < APPENDER_THREADS; thread++) {
            Thread appender = new Thread(() -> appendForever(storage, sequences, out), "crash-appender-" + thread);
            appender.start();
        }
    }

    private static void appendForever(NodeStorage storage, AtomicLong sequences, PrintStream out) {
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(APPENDS_IN_FLIGHT_PER_THREAD_MAX);
        while (true) {
            inFlight.acquireUninterruptibly();
            long sequence = sequences.incrementAndGet();
            byte[] payload = ByteBuffer.allocate(16).putLong(sequence).putLong(~sequence).array();
            storage.append(("key-" + (sequence % 100)).getBytes(java.nio.charset.StandardCharsets.UTF_8), sequence,
                    payload).whenComplete((position, failure) -> {
                        inFlight.release();
                        if (failure == null) {
                            // println on an autoflush stream: the line reaches the pipe before the next ack.
                            out.println(ACK_PREFIX + sequence);
                        }
                    });
        }
    }
}
