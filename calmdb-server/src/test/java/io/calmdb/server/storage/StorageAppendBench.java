package io.calmdb.server.storage;

import io.calmdb.crdt.ReplicaId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

/**
 * A plain {@code main} (not a test, not JMH) measuring appends per second under each fsync policy on this machine, in
 * two shapes: one caller waiting for each acknowledgement (the latency of one durable write), and several callers
 * keeping appends in flight (what a busy node sees, where group commit matters). Results go in docs/storage.md.
 *
 * <p>Arguments: {@code [directory] [recordsPipelined]}; the directory defaults to a fresh one under the system
 * temporary directory and is deleted afterwards.
 */
final class StorageAppendBench {
    private static final int PAYLOAD_BYTES = 64;
    private static final int PIPELINED_THREADS = 4;
    private static final int IN_FLIGHT_PER_THREAD_MAX = 256;

    private StorageAppendBench() {
    }

    public static void main(String[] arguments) throws Exception {
        Path root = arguments.length > 0 ? Path.of(arguments[0]) : Files.createTempDirectory("calmdb-storage-bench");
        int pipelinedRecords = arguments.length > 1 ? Integer.parseInt(arguments[1]) : 400_000;
        System.out.printf("payload %d bytes, key ~8 bytes, data under %s%n", PAYLOAD_BYTES, root);
        System.out.printf("%-7s %-34s %10s %12s %14s %10s%n", "policy", "shape", "records", "appends/s",
                "mean ack us", "rec/group");
        for (FsyncPolicy policy : FsyncPolicy.values()) {
            // A lone caller under always waits one sync per record, so it gets fewer records to keep the run short.
            int oneAtATimeRecords = policy == FsyncPolicy.ALWAYS ? 2_000 : 100_000;
            run(root.resolve(policy.configName() + "-serial"), policy, 1, 1, oneAtATimeRecords);
            run(root.resolve(policy.configName() + "-pipelined"), policy, PIPELINED_THREADS,
                    IN_FLIGHT_PER_THREAD_MAX, pipelinedRecords);
        }
        if (arguments.length == 0) {
            deleteRecursively(root);
        }
    }

    private static void run(Path directory, FsyncPolicy policy, int threads, int inFlightPerThread, int records)
            throws Exception {
        StorageOptions options = new StorageOptions(directory, "bench", ReplicaId.of("bench"), policy);
        try (NodeStorage storage = NodeStorage.open(options, new RecoveryVisitor() {
            @Override
            public void checkpointState(byte[] key, byte[] state) {
            }

            @Override
            public void logRecord(LogRecord record) {
            }
        })) {
            int perThread = records / threads;
            long[] latencyNanosTotal = new long[threads];
            List<Thread> appenders = new ArrayList<>();
            long startNanos = System.nanoTime();
            for (int thread = 0; thread < threads; thread++) {
                int index = thread;
                Thread appender = new Thread(() -> {
                    Semaphore inFlight = new Semaphore(inFlightPerThread);
                    byte[] payload = new byte[PAYLOAD_BYTES];
                    long[] latencyTotal = new long[1];
                    CompletableFuture<Long> last = null;
                    for (int i = 0; i < perThread; i++) {
                        inFlight.acquireUninterruptibly();
                        long issuedNanos = System.nanoTime();
                        last = storage.append(("key-" + (i % 1000)).getBytes(), i, payload);
                        last.whenComplete((position, failure) -> {
                            synchronized (latencyTotal) {
                                latencyTotal[0] += System.nanoTime() - issuedNanos;
                            }
                            inFlight.release();
                        });
                    }
                    inFlight.acquireUninterruptibly(inFlightPerThread);
                    synchronized (latencyTotal) {
                        latencyNanosTotal[index] = latencyTotal[0];
                    }
                }, "bench-appender-" + thread);
                appenders.add(appender);
                appender.start();
            }
            for (Thread appender : appenders) {
                appender.join();
            }
            long elapsedNanos = System.nanoTime() - startNanos;
            long total = (long) perThread * threads;
            StorageStatus status = storage.status();
            String shape = threads == 1 && inFlightPerThread == 1 ? "1 caller, waits for each ack"
                    : threads + " callers x " + inFlightPerThread + " in flight";
            System.out.printf("%-7s %-34s %10d %12.0f %14.1f %10.1f%n", policy.configName(), shape, total,
                    total * 1e9 / elapsedNanos, Arrays.stream(latencyNanosTotal).sum() / 1e3 / total,
                    (double) status.writtenRecords() / status.committedGroups());
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
