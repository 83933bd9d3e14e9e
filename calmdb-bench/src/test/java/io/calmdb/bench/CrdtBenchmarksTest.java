package io.calmdb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.OrSet;
import java.util.Map;
import org.apache.pekko.cluster.ddata.ORSet;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Runs every benchmark body once at a tiny size and checks its result, so that the benchmark code cannot rot
 * silently between the (long, manual) benchmark runs. Nothing here is timed.
 */
class CrdtBenchmarksTest {
    private static final int INCREMENTS_TINY = 300;
    private static final int ELEMENTS_TINY = 50;

    private static Blackhole blackhole() {
        return new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
    }

    @Test
    void gCounterBenchmarks_countEveryIncrement() {
        GCounterBenchmark benchmark = new GCounterBenchmark();
        benchmark.increments = INCREMENTS_TINY;

        assertThat(benchmark.calmdbIncrementThenMerge(blackhole())).isEqualTo(INCREMENTS_TINY);
        assertThat(benchmark.pekkoIncrementThenMerge()).isEqualTo(INCREMENTS_TINY);
    }

    @Test
    void orSetAddBenchmarks_addEveryElement() {
        OrSetAddBenchmark benchmark = new OrSetAddBenchmark();
        benchmark.elementCount = ELEMENTS_TINY;
        benchmark.makeElements();

        OrSet<String> calmdb = benchmark.calmdbAdd(blackhole());
        ORSet<String> accumulating = benchmark.pekkoAdd();
        ORSet<String> resetting = benchmark.pekkoAddResettingDelta();

        assertThat(calmdb.size()).isEqualTo(ELEMENTS_TINY);
        assertThat(calmdb.elements()).isEqualTo(accumulating.getElements());
        assertThat(accumulating.size()).isEqualTo(ELEMENTS_TINY);
        assertThat(accumulating.contains("element-" + (ELEMENTS_TINY - 1))).isTrue();
        assertThat(resetting.getElements()).isEqualTo(accumulating.getElements());
        assertThat(resetting.delta().isEmpty()).isTrue();
    }

    @Test
    void orSetStateBenchmarks_mergeEncodeAndDecodeTheWholeSet() throws Exception {
        OrSetStateBenchmark benchmark = new OrSetStateBenchmark();
        benchmark.elementCount = ELEMENTS_TINY;
        benchmark.buildSets();
        try {
            OrSet<String> calmdbMerged = benchmark.calmdbMergeIntoEmpty();
            assertThat(calmdbMerged).isEqualTo(benchmark.calmdbOriginal());
            assertThat(benchmark.calmdbDecode()).isEqualTo(benchmark.calmdbOriginal());
            assertThat(benchmark.calmdbEncode()).isNotEmpty();

            ORSet<String> merged = benchmark.pekkoMergeIntoEmpty();
            assertThat(merged.getElements()).isEqualTo(calmdbMerged.elements());
            assertThat(benchmark.pekkoDecode()).isEqualTo(merged);
            assertThat(benchmark.pekkoDecodeProtobufOnly()).isEqualTo(merged);
            assertThat(benchmark.pekkoEncode()).isNotEmpty();
            assertThat(benchmark.pekkoEncodeProtobufOnly()).isNotEmpty();
        } finally {
            benchmark.closePekko();
        }
    }

    @Test
    void sizeMeasurement_reportsEveryFigure() {
        Map<String, Double> sizes = SizeMeasurement.measure(ELEMENTS_TINY);

        assertThat(sizes).containsKeys("heapBytesPerElement.calmdb", "encodedBytesPerElement.calmdb",
                "deltaBytes.calmdb", "deltaHeapBytes.calmdb", "deltaHeapBytes.pekko", "heapBytesPerElement.pekko", "encodedBytesPerElement.pekko",
                "encodedBytesPerElement.pekkoGzip", "deltaBytes.pekko");
        assertThat(sizes.values()).allSatisfy(value -> assertThat(value).isPositive());
        // Each element holds at least a reference and a dot on either side; the element strings are excluded.
        assertThat(sizes.get("heapBytesPerElement.calmdb")).isGreaterThan(8.0);
        assertThat(sizes.get("heapBytesPerElement.pekko")).isGreaterThan(16.0);
        // An encoded element is at least its own UTF-8 bytes ("element-NN" is 10).
        assertThat(sizes.get("encodedBytesPerElement.calmdb")).isGreaterThan(10.0);
    }

    @Test
    void table_judgesEachTargetInItsOwnDirection() {
        Map<String, BenchMain.Score> scores = Map.of(
                "calmdbIncrementThenMerge", new BenchMain.Score(100, 1, 0),
                "pekkoIncrementThenMerge", new BenchMain.Score(250, 1, 0),
                "calmdbAdd", new BenchMain.Score(100, 1, 0),
                "pekkoAdd", new BenchMain.Score(250, 1, 0),
                "calmdbMergeIntoEmpty", new BenchMain.Score(10, 1, 0),
                "pekkoMergeIntoEmpty", new BenchMain.Score(60, 1, 0));
        Map<String, Double> sizes = Map.of(
                "heapBytesPerElement.calmdb", 70.0, "heapBytesPerElement.pekko", 60.0,
                "encodedBytesPerElement.calmdb", 20.0, "encodedBytesPerElement.pekko", 46.0,
                "deltaBytes.calmdb", 30.0, "deltaBytes.pekko", 80.0);

        ComparisonTable table = BenchMain.buildTable(scores, sizes, 10_000_000, 1_000_000);

        assertThat(table.rows()).extracting(ComparisonTable.Row::verdict)
                .containsExactly("met", "missed", "-", "met", "-", "-", "-", "-", "missed", "met", "-", "met", "-");
        assertThat(table.rows().get(0).ratioText()).isEqualTo("2.50x the rate");
        assertThat(table.rows().get(3).ratioText()).isEqualTo("6.00x faster");
        assertThat(table.toMarkdown()).contains("| G-Counter: 10M increments over 3 replicas, then merge");
        assertThat(table.toJson()).contains("\"verdict\": \"missed\"");
    }

    @Test
    void table_judgesTheAddTargetAgainstTheFasterPekkoVariant() {
        Map<String, BenchMain.Score> scores = Map.of(
                "calmdbAdd", new BenchMain.Score(100, 1, 0),
                "pekkoAdd", new BenchMain.Score(400, 1, 0),
                "pekkoAddResettingDelta", new BenchMain.Score(250, 1, 0));

        ComparisonTable table = BenchMain.buildTable(scores, Map.of(), 10_000_000, 1_000_000);
        ComparisonTable.Row adds = table.rows().get(1);
        ComparisonTable.Row other = table.rows().get(2);

        assertThat(adds.operation()).contains("resetDelta after each add");
        assertThat(adds.ratioText()).isEqualTo("2.50x the rate");
        assertThat(adds.verdict()).isEqualTo("missed");
        assertThat(other.ratioText()).isEqualTo("4.00x the rate");
    }
}
