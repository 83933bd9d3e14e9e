package io.calmdb.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real crash: a child JVM appends under a policy and prints every acknowledged sequence number; the test kills it
 * with SIGKILL mid-stream, reopens the directory and checks that every acknowledged record is there, intact.
 * {@code everysec} and {@code no} are included because they too must survive a process crash (only a machine crash may
 * cost them writes).
 */
class CrashRecoveryTest {
    /**
     * Acknowledgements to see before the kill, so the kill lands in the middle of a busy stream. Every policy groups
     * the child's concurrent appends, so even {@code always} reaches this quickly.
     */
    private static final int ACKNOWLEDGEMENTS_BEFORE_KILL_MIN = 2000;

    /** The exit status of a process killed by SIGKILL (128 + 9). */
    private static final int KILLED_BY_SIGKILL_EXIT_STATUS = 137;

    /** How long the child may take to start and acknowledge enough writes; a bound, not a sleep. */
    private static final long CHILD_PROGRESS_TIMEOUT_SECONDS = 30;

    @TempDir
    Path directory;

    @ParameterizedTest
    @EnumSource(FsyncPolicy.class)
    void killMinus9_losesNoAcknowledgedWrite(FsyncPolicy policy) throws Exception {
        Path dataDirectory = directory.resolve("data");
        Path childErrors = directory.resolve("child-stderr.txt");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), CrashingAppender.class.getName(),
                dataDirectory.toString(), policy.configName())
                .redirectError(childErrors.toFile())
                .start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readLines(child, lines), "crash-test-stdout-reader");
        reader.setDaemon(true);
        reader.start();

        Set<Long> acknowledged = new HashSet<>();
        long deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_PROGRESS_TIMEOUT_SECONDS);
        try {
            while (acknowledged.size() < ACKNOWLEDGEMENTS_BEFORE_KILL_MIN) {
                long remainingNanos = deadlineNanos - System.nanoTime();
                String line = remainingNanos > 0 ? lines.poll(remainingNanos, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new AssertionError("child acknowledged only " + acknowledged.size() + " writes within "
                            + CHILD_PROGRESS_TIMEOUT_SECONDS + " s; alive=" + child.isAlive() + ", stderr:\n"
                            + Files.readString(childErrors));
                }
                collect(line, acknowledged);
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(CHILD_PROGRESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("child died").isTrue();
        }
        assertThat(child.exitValue()).as("the child was killed, it did not exit")
                .isEqualTo(KILLED_BY_SIGKILL_EXIT_STATUS);
        // Lines the child printed before it died are acknowledgements too: read the pipe to its end.
        reader.join(TimeUnit.SECONDS.toMillis(CHILD_PROGRESS_TIMEOUT_SECONDS));
        for (String line : lines) {
            collect(line, acknowledged);
        }

        Set<Long> recovered = new HashSet<>();
        List<String> damaged = new java.util.ArrayList<>();
        NodeStorage.open(new StorageOptions(dataDirectory, CrashingAppender.CLUSTER, CrashingAppender.REPLICA,
                policy), new RecoveryVisitor() {
                    @Override
                    public void checkpointState(byte[] key, byte[] state) {
                    }

                    @Override
                    public void logRecord(LogRecord record) {
                        ByteBuffer payload = ByteBuffer.wrap(record.payload());
                        long sequence = payload.getLong();
                        if (sequence != record.originSequence() || payload.getLong() != ~sequence) {
                            damaged.add("position " + record.position());
                        }
                        recovered.add(record.originSequence());
                    }
                }).close();
        Set<Long> lost = new HashSet<>(acknowledged);
        lost.removeAll(recovered);
        System.out.printf("crash test, fsync %s: acknowledged=%d recovered=%d lost acknowledged writes = %d%n",
                policy.configName(), acknowledged.size(), recovered.size(), lost.size());
        assertThat(damaged).as("records whose payload does not match their tags").isEmpty();
        assertThat(lost).as("acknowledged writes missing after kill -9").isEmpty();
        assertThat(recovered.size()).isGreaterThanOrEqualTo(acknowledged.size());
    }

    private static void collect(String line, Set<Long> acknowledged) {
        if (line.startsWith(CrashingAppender.ACK_PREFIX)) {
            acknowledged.add(Long.parseLong(line.substring(CrashingAppender.ACK_PREFIX.length()).trim()));
        }
    }

    private static void readLines(Process child, LinkedBlockingQueue<String> lines) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            lines.add("READ-ERROR " + e);
        }
    }
}
