package io.calmdb.server.storage;

import static io.calmdb.server.storage.StorageFixtures.options;
import static io.calmdb.server.storage.StorageFixtures.reopenAndClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.server.storage.StorageFixtures.RecordingVisitor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many threads appending at once, under every policy: every future completes, per-writer order is kept; and what each
 * policy does about syncing.
 */
class GroupCommitTest {
    private static final int WRITERS = 8;
    private static final int RECORDS_PER_WRITER = 1500;
    private static final long SEED = 20_251_121L;
    /** The longest a test waits for a background sync; generous because the machine's disk and CPUs are shared. */
    private static final long CONDITION_TIMEOUT_MILLIS = 30_000;
    /** How often a waiting test re-checks its condition. */
    private static final long CONDITION_POLL_MILLIS = 10;

    @TempDir
    Path directory;

    @ParameterizedTest
    @EnumSource(FsyncPolicy.class)
    void concurrentWriters_allComplete_inPositionOrder_andKeepEachWritersOrder(FsyncPolicy policy) throws Exception {
        int recordsPerWriter = RECORDS_PER_WRITER;
        AtomicLong completedBeforeTheirPredecessor = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<List<CompletableFuture<Long>>> futuresByWriter = new ArrayList<>();
        try (NodeStorage storage = NodeStorage.open(options(directory, policy), new RecordingVisitor())) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int writer = 0; writer < WRITERS; writer++) {
                int writerIndex = writer;
                List<CompletableFuture<Long>> futures = new ArrayList<>();
                futuresByWriter.add(futures);
                SplittableRandom random = new SplittableRandom(SEED + writer);
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                        CompletableFuture<Long> previous = null;
                        for (int sequence = 1; sequence <= recordsPerWriter; sequence++) {
                            byte[] payload = new byte[8 + random.nextInt(200)];
                            ByteBuffer.wrap(payload).putInt(writerIndex).putInt(sequence);
                            CompletableFuture<Long> future = storage.append(
                                    StorageFixtures.bytes("writer-" + writerIndex), sequence, payload);
                            CompletableFuture<Long> predecessor = previous;
                            future.whenComplete((position, failure) -> {
                                if (failure != null) {
                                    failures.add(failure);
                                }
                                if (predecessor != null && !predecessor.isDone()) {
                                    completedBeforeTheirPredecessor.incrementAndGet();
                                }
                            });
                            futures.add(future);
                            previous = future;
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "test-appender-" + writer);
                threads.add(thread);
                thread.start();
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(60));
                assertThat(thread.isAlive()).as("appender %s finished", thread.getName()).isFalse();
            }
            CompletableFuture.allOf(futuresByWriter.stream().flatMap(List::stream)
                    .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            StorageStatus status = storage.status();
            long total = (long) WRITERS * recordsPerWriter;
            assertThat(status.writtenRecords()).isEqualTo(total);
            assertThat(status.lastPosition()).isEqualTo(total);
            assertThat(status.pendingWrites()).isZero();
            assertThat(status.committedGroups()).as("at most one write batch per record")
                    .isBetween(1L, total);
            if (policy == FsyncPolicy.ALWAYS) {
                // Eight writers queue up behind every sync, so groups of more than one record must form.
                assertThat(status.committedGroups()).as("group commit shares syncs").isLessThan(total);
                assertThat(status.walSyncs()).as("one sync per group").isEqualTo(status.committedGroups());
                assertThat(status.unsyncedRecords()).isZero();
            }
            System.out.printf("%s policy: %d records in %d write batches (%.1f records per batch), %d syncs%n",
                    policy.configName(), total, status.committedGroups(),
                    (double) total / status.committedGroups(), status.walSyncs());
        }
        assertThat(failures).isEmpty();
        assertThat(completedBeforeTheirPredecessor.get()).as("futures that completed before an earlier one")
                .isZero();
        for (List<CompletableFuture<Long>> futures : futuresByWriter) {
            List<Long> positions = futures.stream().map(CompletableFuture::join).toList();
            assertThat(isIncreasing(positions)).as("one writer's positions follow its call order").isTrue();
        }
        RecordingVisitor recovered = reopenAndClose(directory, policy);
        Map<Integer, Integer> lastSequenceByWriter = new HashMap<>();
        for (LogRecord record : recovered.records) {
            ByteBuffer payload = ByteBuffer.wrap(record.payload());
            int writer = payload.getInt();
            int sequence = payload.getInt();
            assertThat(sequence).isEqualTo(record.originSequence());
            int previous = lastSequenceByWriter.getOrDefault(writer, 0);
            assertThat(sequence).as("writer %d's records in log order", writer).isEqualTo(previous + 1);
            lastSequenceByWriter.put(writer, sequence);
        }
        assertThat(lastSequenceByWriter).hasSize(WRITERS).allSatisfy((writer, last) ->
                assertThat(last).isEqualTo(recordsPerWriter));
    }

    private static boolean isIncreasing(List<Long> positions) {
        for (int i = 1; i < positions.size(); i++) {
            if (positions.get(i) <= positions.get(i - 1)) {
                return false;
            }
        }
        return true;
    }

    @ParameterizedTest
    @EnumSource(FsyncPolicy.class)
    void fsyncPolicy_isReported_andAnAppendCompletesWithItsPosition(FsyncPolicy policy) {
        try (NodeStorage storage = NodeStorage.open(options(directory, policy), new RecordingVisitor())) {
            assertThat(storage.fsyncPolicy()).isEqualTo(policy);
            assertThat(storage.status().fsyncPolicy()).isEqualTo(policy);
            assertThat(storage.append(StorageFixtures.bytes("k"), 1, new byte[16]).join()).isEqualTo(1);
        }
    }

    @Test
    void always_syncsBeforeItAcknowledges() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.ALWAYS), new RecordingVisitor())) {
            assertThat(storage.status().lastWalSyncAgeMillis()).as("no sync before the first write").isEqualTo(-1);
            storage.append(StorageFixtures.bytes("k"), 1, new byte[16]).join();
            StorageStatus status = storage.status();
            assertThat(status.walSyncs()).isEqualTo(1);
            assertThat(status.unsyncedRecords()).isZero();
            assertThat(status.lastWalSyncAgeMillis()).isNotNegative();
        }
    }

    @Test
    void everysec_acknowledgesBeforeTheSync_andItsOwnThreadSyncsSoonAfter() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.EVERYSEC),
                new RecordingVisitor())) {
            storage.append(StorageFixtures.bytes("k"), 1, new byte[16]).join();
            awaitTrue("the periodic sync to cover the acknowledged write", () -> {
                StorageStatus status = storage.status();
                return status.walSyncs() >= 1 && status.unsyncedRecords() == 0;
            });
            assertThat(storage.status().lastWalSyncAgeMillis()).isNotNegative();
            assertThat(storage.status().durabilityInfo()).containsKeys("wal_syncs", "last_fsync_age_ms",
                    "unsynced_records");
        }
    }

    @Test
    void no_neverSyncsOnItsOwn_andReportsTheUnsyncedRecords() {
        try (NodeStorage storage = NodeStorage.open(options(directory, FsyncPolicy.NO), new RecordingVisitor())) {
            storage.append(StorageFixtures.bytes("k"), 1, new byte[16]).join();
            StorageStatus status = storage.status();
            assertThat(status.walSyncs()).isZero();
            assertThat(status.unsyncedRecords()).isEqualTo(1);
            assertThat(status.lastWalSyncAgeMillis()).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @EnumSource(FsyncPolicy.class)
    void fsyncPolicy_parsesItsConfigName(FsyncPolicy policy) {
        assertThat(FsyncPolicy.fromConfigName(policy.configName())).isEqualTo(policy);
        assertThat(FsyncPolicy.fromConfigName(" " + policy.name() + " ")).isEqualTo(policy);
    }

    @Test
    void fsyncPolicy_acceptsTheOldNamesAsTheirEquivalents() {
        assertThat(FsyncPolicy.fromConfigName("batch")).isEqualTo(FsyncPolicy.ALWAYS);
        assertThat(FsyncPolicy.fromConfigName("NEVER")).isEqualTo(FsyncPolicy.NO);
    }

    @Test
    void fsyncPolicy_rejectsUnknownConfigNames() {
        assertThatThrownBy(() -> FsyncPolicy.fromConfigName("sometimes"))
                .hasMessageContaining("always, everysec or no").hasMessageContaining("sometimes");
    }

    /** Polls {@code condition} until it holds, failing after {@link #CONDITION_TIMEOUT_MILLIS}. */
    private static void awaitTrue(String what, BooleanSupplier condition) {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONDITION_TIMEOUT_MILLIS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadlineNanos) {
                throw new AssertionError("timed out after " + CONDITION_TIMEOUT_MILLIS + " ms waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CONDITION_POLL_MILLIS));
        }
    }
}
