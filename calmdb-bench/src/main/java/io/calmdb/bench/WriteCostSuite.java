package io.calmdb.bench;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code ./calmdb bench cost}: runs {@link WriteCostBenchmark} for every command and collection size and prints
 * the table of writes per second, each rate against the smallest size's, and the encoded delta size. The target
 * is that the largest size's rate is at least {@value #RATIO_TARGET_MIN} of the smallest's for every command.
 *
 * <p>The rate that decides is the writing thread's CPU time per write (the median over the measured iterations):
 * the machine the suite runs on is shared, and wall-clock time there also counts the time other processes held the
 * cores, which changes from one trial to the next. The wall-clock rate (median batch, JMH sample mode) is printed
 * beside it.
 */
final class WriteCostSuite {
    /** The rate at the largest size over the rate at the smallest, below which a command misses the target. */
    static final double RATIO_TARGET_MIN = 0.5;
    /** Heap of each forked JVM: a million hash fields take about half a gigabyte, and GC needs room beside them. */
    static final String FORK_HEAP = "3g";
    /**
     * Warm-up iterations of one second. On the shared two-core machine a trial runs at a tenth of its final rate
     * for its first six or seven seconds (the JIT compiler competes for the cores), then settles.
     */
    static final int WARMUP_ITERATIONS = 8;
    static final int MEASUREMENT_ITERATIONS = 4;

    /** How long and how often to measure; every field can be set on the command line. */
    record Settings(List<String> commands, List<Integer> members, int forks, int warmupIterations,
                    int measurementIterations, int iterationSeconds) {
        static Settings defaults(boolean quick) {
            return new Settings(List.of("HSET", "HDEL", "HINCRBY", "SADD", "SREM"),
                    quick ? List.of(1_000, 10_000, 100_000) : List.of(1_000, 10_000, 100_000, 1_000_000),
                    1, quick ? 1 : WARMUP_ITERATIONS, quick ? 2 : MEASUREMENT_ITERATIONS, 1);
        }

        String describe() {
            return forks + " fork(s) per command and size (-Xms" + FORK_HEAP + " -Xmx" + FORK_HEAP + "), " + warmupIterations
                    + " warm-up + " + measurementIterations + " measured iterations of " + iterationSeconds + " s, "
                    + WriteCostBenchmark.OPERATIONS_PER_INVOCATION + " writes per invocation";
        }
    }

    /**
     * One measured row: the rate implied by the writing thread's median CPU time per write over the measured
     * iterations, the rate implied by the median wall-clock batch, and the encoded size of a delta.
     */
    record Row(String command, int members, double opsPerSecond, double wallOpsPerSecond, int deltaBytes) {}

    private WriteCostSuite() {}

    static void run(Settings settings, Path outputDirectory) throws Exception {
        Files.createDirectories(outputDirectory);
        // The trials append their figures to these files; figures of an earlier run must not mix in.
        try (var stale = Files.newDirectoryStream(outputDirectory, "{delta-bytes,cpu-nanos-per-write}-*.txt")) {
            for (Path file : stale) {
                Files.delete(file);
            }
        }
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String environment = "CalmDB cost per write as the collection grows (Keyspace write + Codecs.encode of its delta)"
                + "\nstarted: " + started
                + "\njvm: " + System.getProperty("java.vm.name") + " " + Runtime.version()
                + "\nos: " + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " processors, load average at start "
                + String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
                + "\njmh: " + settings.describe()
                + "\nfigures: ops/s from the writing thread's CPU time per write (median of the measured iterations);"
                + "\n  wall ops/s from the median wall-clock batch (JMH sample mode), which also counts time other"
                + "\n  processes held the cores\n";
        System.out.println(environment);
        System.out.flush();

        List<String> jvmArgs = new ArrayList<>(List.of("-Xms" + FORK_HEAP, "-Xmx" + FORK_HEAP,
                "-D" + WriteCostBenchmark.DELTA_BYTES_DIRECTORY_PROPERTY + "=" + outputDirectory.toAbsolutePath()));
        jvmArgs.addAll(BenchMain.quietUnsafeFlags());
        Path log = outputDirectory.resolve("jmh.log");
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + Pattern.quote(WriteCostBenchmark.class.getName()) + "\\.write$")
                .param("command", settings.commands().toArray(String[]::new))
                .param("members", settings.members().stream().map(String::valueOf).toArray(String[]::new))
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.NANOSECONDS)
                .forks(settings.forks())
                .warmupIterations(settings.warmupIterations())
                .warmupTime(TimeValue.seconds(settings.iterationSeconds()))
                .measurementIterations(settings.measurementIterations())
                .measurementTime(TimeValue.seconds(settings.iterationSeconds()))
                .jvmArgs(jvmArgs.toArray(String[]::new))
                .shouldFailOnError(true)
                .output(log.toString());
        System.out.println("running " + settings.commands().size() * settings.members().size()
                + " JMH trials; progress in " + log);
        System.out.flush();
        Collection<RunResult> results = new Runner(options.build()).run();

        Map<String, Row> rows = new LinkedHashMap<>();
        for (RunResult result : results) {
            String command = result.getParams().getParam("command");
            int members = Integer.parseInt(result.getParams().getParam("members"));
            Result<?> primary = result.getPrimaryResult();
            // The median batch, not the mean: on a shared two-core machine another process takes a core for
            // milliseconds at a time, and the batches it lands on say nothing about the write. The mean is kept
            // beside it so that such noise, and GC pauses, stay visible.
            double medianNanosPerWrite = primary.getStatistics().getPercentile(50);
            rows.put(command + "/" + members, new Row(command, members,
                    1e9 / medianCpuNanosPerWrite(outputDirectory, command, members), 1e9 / medianNanosPerWrite,
                    deltaBytes(outputDirectory, command, members)));
        }
        String table = table(settings, rows);
        String finished = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String report = environment + "finished: " + finished + ", load average now "
                + String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
                + "\n\n" + table;
        System.out.println();
        System.out.println(table);
        Files.writeString(outputDirectory.resolve("table.md"), report, StandardCharsets.UTF_8);
        System.out.println("written: " + outputDirectory.resolve("table.md"));
    }

    /** The median of the measured iterations' CPU nanoseconds per write, over every fork; NaN when none. */
    private static double medianCpuNanosPerWrite(Path directory, String command, int members) {
        Path file = directory.resolve(WriteCostBenchmark.cpuNanosFileName(command, members));
        try {
            double[] values = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.isBlank()).mapToDouble(Double::parseDouble).sorted().toArray();
            if (values.length == 0) {
                return Double.NaN;
            }
            int middle = values.length / 2;
            return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
        } catch (java.io.IOException | NumberFormatException missing) {
            return Double.NaN;
        }
    }

    private static int deltaBytes(Path directory, String command, int members) {
        Path file = directory.resolve(WriteCostBenchmark.deltaBytesFileName(command, members));
        try {
            return Integer.parseInt(Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (java.io.IOException | NumberFormatException missing) {
            return -1;
        }
    }

    static String table(Settings settings, Map<String, Row> rows) {
        int smallest = settings.members().stream().mapToInt(Integer::intValue).min().orElseThrow();
        int largest = settings.members().stream().mapToInt(Integer::intValue).max().orElseThrow();
        String line = "| %-7s | %9s | %13s | %9s | %13s | %11s |%n";
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, line, "command", "members", "ops/s (CPU)", "vs " + BenchMain.count(smallest),
                "ops/s (wall)", "delta bytes"));
        text.append(String.format(Locale.ROOT, line, "-------", "--------:", "------------:", "--------:",
                "------------:", "----------:"));
        StringBuilder verdicts = new StringBuilder();
        for (String command : settings.commands()) {
            Row base = rows.get(command + "/" + smallest);
            for (int members : settings.members()) {
                Row row = rows.get(command + "/" + members);
                if (row == null) {
                    continue;
                }
                double ratio = base == null ? Double.NaN : row.opsPerSecond() / base.opsPerSecond();
                text.append(String.format(Locale.ROOT, line, command, String.format(Locale.ROOT, "%,d", members),
                        String.format(Locale.ROOT, "%,.0f", row.opsPerSecond()),
                        String.format(Locale.ROOT, "%.2f", ratio),
                        String.format(Locale.ROOT, "%,.0f", row.wallOpsPerSecond()),
                        row.deltaBytes() < 0 ? "?" : Integer.toString(row.deltaBytes())));
            }
            Row top = rows.get(command + "/" + largest);
            if (base != null && top != null && largest != smallest) {
                double ratio = top.opsPerSecond() / base.opsPerSecond();
                double wallRatio = top.wallOpsPerSecond() / base.wallOpsPerSecond();
                verdicts.append(String.format(Locale.ROOT,
                        "%s: %s members at %.2f of the %s rate (CPU; wall clock %.2f), target >= %.2f: %s%n",
                        command, BenchMain.count(largest), ratio, BenchMain.count(smallest), wallRatio,
                        RATIO_TARGET_MIN, ratio >= RATIO_TARGET_MIN ? "met" : "MISSED"));
            }
        }
        return text + "\n" + verdicts;
    }
}
