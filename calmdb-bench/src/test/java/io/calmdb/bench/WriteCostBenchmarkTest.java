package io.calmdb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Runs the cost-per-write benchmark's trial by hand at the smallest size, for every command, a few batches long, so
 * that its bookkeeping (the undo that keeps the key's size steady, the delta size it records) cannot rot between the
 * manual runs. Nothing here is timed.
 */
class WriteCostBenchmarkTest {
    private static final int MEMBERS = 1_000;
    private static final int BATCHES = 3;
    /** A one-member delta names the key, the member, a value and a handful of dots. */
    private static final int DELTA_BYTES_MAX = 64;

    @Test
    void everyCommand_keepsTheKeySizeSteady_andRecordsASmallDelta(@TempDir Path directory) throws Exception {
        System.setProperty(WriteCostBenchmark.DELTA_BYTES_DIRECTORY_PROPERTY, directory.toString());
        try {
            for (WriteCostBenchmark.Command command : WriteCostBenchmark.Command.values()) {
                WriteCostBenchmark benchmark = new WriteCostBenchmark();
                benchmark.command = command.name();
                benchmark.members = MEMBERS;
                benchmark.fill();
                for (int batch = 0; batch < BATCHES; batch++) {
                    benchmark.undoPreviousBatch();
                    benchmark.write(blackhole());
                }
                // The teardown undoes the last batch and fails unless the key is back at its size.
                benchmark.recordDeltaBytes();
                Path recorded = directory.resolve(WriteCostBenchmark.deltaBytesFileName(command.name(), MEMBERS));
                int bytes = Integer.parseInt(Files.readString(recorded).trim());
                assertThat(bytes).as(command.name()).isPositive().isLessThanOrEqualTo(DELTA_BYTES_MAX);
                // Called by hand, no iteration is a measured one, so the CPU figures file is created and empty.
                assertThat(directory.resolve(WriteCostBenchmark.cpuNanosFileName(command.name(), MEMBERS))).exists();
            }
        } finally {
            System.clearProperty(WriteCostBenchmark.DELTA_BYTES_DIRECTORY_PROPERTY);
        }
    }

    @Test
    void table_reportsEachRateAgainstTheSmallestSize_andTheVerdict() {
        WriteCostSuite.Settings settings = new WriteCostSuite.Settings(List.of("HSET"), List.of(1_000, 1_000_000), 1, 1, 1, 1);
        String table = WriteCostSuite.table(settings, Map.of(
                "HSET/1000", new WriteCostSuite.Row("HSET", 1_000, 400_000, 1_000, 52),
                "HSET/1000000", new WriteCostSuite.Row("HSET", 1_000_000, 300_000, 1_000, 53)));
        assertThat(table).contains("| HSET    | 1,000,000 |").contains("0.75").contains("met");
    }

    private static Blackhole blackhole() {
        return new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
    }
}
