package io.calmdb.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.annotations.Mode;

/**
 * {@code ./calmdb bench crdt [--quick] [--only REGEX]}: runs the CRDT benchmarks on CalmDB and on Apache Pekko
 * Distributed Data in the same run and prints the side-by-side table with the targets.
 *
 * <p>Timed operations run under JMH, one forked JVM per benchmark, {@value #WARMUP_ITERATIONS} warm-up and
 * {@value #MEASUREMENT_ITERATIONS} measured iterations of {@value #ITERATION_SECONDS} s each, with JMH's GC profiler
 * attached so every row also has its allocation per operation. Sizes are measured once in a separate JVM by
 * {@link SizeMeasurement}. The table, the allocation figures and the JMH logs are also written under {@code
 * calmdb-bench/target/bench-crdt/}.
 *
 * <p>{@code --quick} is a smoke run: one warm-up and two measured iterations, and a tenth of the sizes; its figures
 * are not for the record.
 *
 * <p>{@code ./calmdb bench cost} runs {@link WriteCostBenchmark} through {@link WriteCostSuite} instead: the rate of
 * single-member writes on one key holding 10^3 to 10^6 members, which DESIGN.md's rule (a write costs what its delta
 * costs) says must not fall as the key grows.
 */
public final class BenchMain {
    /** G-Counter increments per run in the full benchmark. */
    static final int INCREMENTS_FULL = 10_000_000;
    /** OR-Set elements in the full benchmark. */
    static final int ELEMENTS_FULL = 1_000_000;
    /** The factor by which {@code --quick} shrinks the sizes. */
    static final int QUICK_SIZE_DIVISOR = 10;

    static final int WARMUP_ITERATIONS = 3;
    static final int MEASUREMENT_ITERATIONS = 5;
    static final int ITERATION_SECONDS = 1;
    static final int QUICK_WARMUP_ITERATIONS = 1;
    static final int QUICK_MEASUREMENT_ITERATIONS = 2;

    /** Heap of each forked benchmark JVM, fixed so that GC sizing is the same for both systems. */
    static final String FORK_HEAP = "4g";
    /** Heap of the size-measurement JVM; the object-graph walk over a 1M-element Pekko set needs room. */
    static final String SIZE_HEAP = "6g";

    private static final String GC_ALLOCATION_KEY = "gc.alloc.rate.norm";

    /** One JMH benchmark method and the size parameter it takes. */
    private record Benchmark(Class<?> type, String method, String sizeParameter) {
        String name() {
            return type.getSimpleName() + "." + method;
        }
    }

    private static final List<Benchmark> BENCHMARKS = List.of(
            new Benchmark(GCounterBenchmark.class, "calmdbIncrementThenMerge", "increments"),
            new Benchmark(GCounterBenchmark.class, "pekkoIncrementThenMerge", "increments"),
            new Benchmark(OrSetAddBenchmark.class, "calmdbAdd", "elementCount"),
            new Benchmark(OrSetAddBenchmark.class, "pekkoAdd", "elementCount"),
            new Benchmark(OrSetAddBenchmark.class, "pekkoAddResettingDelta", "elementCount"),
            new Benchmark(OrSetStateBenchmark.class, "calmdbMergeIntoEmpty", "elementCount"),
            new Benchmark(OrSetStateBenchmark.class, "pekkoMergeIntoEmpty", "elementCount"),
            new Benchmark(OrSetStateBenchmark.class, "calmdbEncode", "elementCount"),
            new Benchmark(OrSetStateBenchmark.class, "pekkoEncode", "elementCount"),
            new Benchmark(OrSetStateBenchmark.class, "pekkoEncodeProtobufOnly", "elementCount"),
            new Benchmark(OrSetStateBenchmark.class, "calmdbDecode", "elementCount"),
            new Benchmark(OrSetStateBenchmark.class, "pekkoDecode", "elementCount"),
            new Benchmark(OrSetStateBenchmark.class, "pekkoDecodeProtobufOnly", "elementCount"));

    /**
     * A benchmark's time per invocation (the median of the measured iterations, in ms), JMH's 99.9% confidence
     * half-width of the mean (ms, NaN with too few iterations), and the bytes allocated per invocation.
     */
    record Score(double millis, double millisError, double allocatedBytes) {}

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("coordination")) {
            CoordinationBench.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        boolean quick = false;
        Pattern only = null;
        String suite = null;
        Map<String, String> costOptions = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--only" -> {
                    if (i + 1 >= args.length) {
                        usage("--only needs a regular expression");
                    }
                    only = Pattern.compile(args[++i]);
                }
                case "--commands", "--members", "--forks", "--warmups", "--iterations", "--seconds" -> {
                    if (i + 1 >= args.length) {
                        usage(args[i] + " needs a value");
                    }
                    costOptions.put(args[i], args[++i]);
                }
                case "-h", "--help" -> {
                    usage(null);
                }
                default -> {
                    if (suite != null || args[i].startsWith("-")) {
                        usage("unexpected argument '" + args[i] + "'");
                    }
                    suite = args[i];
                }
            }
        }
        if ("cost".equals(suite)) {
            WriteCostSuite.run(costSettings(quick, costOptions), targetDirectory().resolve("bench-cost"));
            return;
        }
        if (!costOptions.isEmpty()) {
            usage(costOptions.keySet().iterator().next() + " applies to the cost suite only");
        }
        if (!"crdt".equals(suite)) {
            usage(suite == null ? "name a suite" : "unknown suite '" + suite + "'");
        }
        runCrdt(quick, only);
    }

    private static WriteCostSuite.Settings costSettings(boolean quick, Map<String, String> options) {
        WriteCostSuite.Settings defaults = WriteCostSuite.Settings.defaults(quick);
        List<String> commands = options.containsKey("--commands")
                ? List.of(options.get("--commands").toUpperCase(Locale.ROOT).split(",")) : defaults.commands();
        for (String command : commands) {
            try {
                WriteCostBenchmark.Command.valueOf(command);
            } catch (IllegalArgumentException unknown) {
                usage("--commands: unknown command '" + command + "'");
            }
        }
        List<Integer> members = defaults.members();
        if (options.containsKey("--members")) {
            members = new ArrayList<>();
            for (String size : options.get("--members").split(",")) {
                members.add(positive("--members", size));
            }
        }
        return new WriteCostSuite.Settings(commands, members,
                options.containsKey("--forks") ? positive("--forks", options.get("--forks")) : defaults.forks(),
                options.containsKey("--warmups") ? positive("--warmups", options.get("--warmups")) : defaults.warmupIterations(),
                options.containsKey("--iterations") ? positive("--iterations", options.get("--iterations"))
                        : defaults.measurementIterations(),
                options.containsKey("--seconds") ? positive("--seconds", options.get("--seconds")) : defaults.iterationSeconds());
    }

    private static int positive(String option, String text) {
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException notANumber) {
            // Reported below, with the option's name.
        }
        usage(option + " needs a positive integer, got '" + text + "'");
        return 0;
    }

    private static void usage(String problem) {
        if (problem != null) {
            System.err.println("bench: " + problem);
        }
        System.err.println("""
                usage: ./calmdb bench crdt [--quick] [--only REGEX]
                       ./calmdb bench cost [--quick] [--commands LIST] [--members LIST] [--forks N] [--warmups N]
                                           [--iterations N] [--seconds N]
                       ./calmdb bench coordination [--port-base N] [--samples N] [--timeout MS] [--host HOST]
                  crdt          CalmDB's CRDTs against Apache Pekko Distributed Data, side by side (about 8 minutes)
                  cost          writes per second on one key as it grows from 10^3 to 10^6 members (about 6 minutes)
                  coordination  p50/p99 of local and coordinated operations from each region of a running demo
                                (./calmdb demo [--wan]); see ./calmdb bench coordination --help
                  --quick       smoke run: fewer iterations and smaller sizes (figures not for the record)
                  --only REGEX  run only the benchmarks whose name (for example OrSetAddBenchmark.pekkoAdd) matches
                  --commands    cost: comma-separated, of HSET,HDEL,HINCRBY,SADD,SREM (default: all)
                  --members     cost: comma-separated sizes (default: 1000,10000,100000,1000000)
                  --forks, --warmups, --iterations, --seconds
                                cost: JMH forks per trial (1), warm-up (8) and measured (4) iterations, seconds each (1)""");
        System.exit(problem == null ? 0 : 2);
    }

    private static void runCrdt(boolean quick, Pattern only) throws Exception {
        int divisor = quick ? QUICK_SIZE_DIVISOR : 1;
        int increments = INCREMENTS_FULL / divisor;
        int elementCount = ELEMENTS_FULL / divisor;
        Path outputDirectory = targetDirectory().resolve("bench-crdt");
        Files.createDirectories(outputDirectory);

        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String environment = environment(quick, started);
        System.out.println(environment);

        Map<String, Score> scores = new LinkedHashMap<>();
        List<Benchmark> selected = BENCHMARKS.stream()
                .filter(benchmark -> only == null || only.matcher(benchmark.name()).find())
                .toList();
        int done = 0;
        for (Benchmark benchmark : selected) {
            int size = benchmark.sizeParameter().equals("increments") ? increments : elementCount;
            // The result goes on its own line: JDK 24+ prints a sun.misc.Unsafe warning when JMH first starts.
            System.out.printf(Locale.ROOT, "[%d/%d] %s (%,d)%n", ++done, selected.size(), benchmark.name(), size);
            System.out.flush();
            Score score = runJmh(benchmark, size, quick, outputDirectory);
            scores.put(benchmark.method(), score);
            System.out.printf(Locale.ROOT, "       %s, %s MB allocated per run%n",
                    ComparisonTable.figure(score.millis(), score.millisError(), "ms"),
                    ComparisonTable.format(score.allocatedBytes() / 1e6));
        }

        Map<String, Double> sizes = Map.of();
        if (only == null || only.matcher("SizeMeasurement").find()) {
            System.out.printf(Locale.ROOT, "sizes: heap, encoded, delta (%,d elements, separate JVM) ... ", elementCount);
            System.out.flush();
            sizes = measureSizesInChildJvm(elementCount);
            System.out.println("done");
        }

        ComparisonTable table = buildTable(scores, sizes, increments, elementCount);
        String allocation = allocationTable(scores, increments, elementCount);
        String finished = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String report = environment + "finished: " + finished + ", load average now "
                + String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
                + "\n\n" + table.toMarkdown() + "\nAllocation per run (JMH gc profiler, gc.alloc.rate.norm):\n\n"
                + allocation;
        System.out.println();
        System.out.println(table.toMarkdown());
        System.out.println("Allocation per run (JMH gc profiler, gc.alloc.rate.norm):");
        System.out.println();
        System.out.println(allocation);
        Files.writeString(outputDirectory.resolve("table.md"), report, StandardCharsets.UTF_8);
        Files.writeString(outputDirectory.resolve("table.json"), table.toJson(), StandardCharsets.UTF_8);
        System.out.println("written: " + outputDirectory.resolve("table.md") + ", " + outputDirectory.resolve("table.json"));
    }

    private static String environment(boolean quick, String started) {
        Runtime.Version version = Runtime.version();
        return "CalmDB CRDT benchmarks vs Apache Pekko Distributed Data" + (quick ? " (QUICK smoke run, not for the record)" : "")
                + "\nstarted: " + started
                + "\njvm: " + System.getProperty("java.vm.name") + " " + version + " (" + System.getProperty("java.vendor") + ")"
                + "\nos: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")
                + ", " + Runtime.getRuntime().availableProcessors() + " processors, load average at start "
                + String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
                + "\njmh: 1 fork per benchmark (-Xms" + FORK_HEAP + " -Xmx" + FORK_HEAP + "), "
                + (quick ? QUICK_WARMUP_ITERATIONS : WARMUP_ITERATIONS) + " warm-up + "
                + (quick ? QUICK_MEASUREMENT_ITERATIONS : MEASUREMENT_ITERATIONS) + " measured iterations of "
                + ITERATION_SECONDS + " s, average time per run\n"
                + "figures: median of the measured iterations; ± is JMH's 99.9% confidence half-width of the mean\n";
    }

    private static Score runJmh(Benchmark benchmark, int size, boolean quick, Path outputDirectory)
            throws RunnerException {
        List<String> jvmArgs = new ArrayList<>(List.of("-Xms" + FORK_HEAP, "-Xmx" + FORK_HEAP));
        jvmArgs.addAll(quietUnsafeFlags());
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + Pattern.quote(benchmark.type().getName() + "." + benchmark.method()) + "$")
                .param(benchmark.sizeParameter(), Integer.toString(size))
                .mode(Mode.AverageTime)
                .timeUnit(TimeUnit.MILLISECONDS)
                .forks(1)
                .warmupIterations(quick ? QUICK_WARMUP_ITERATIONS : WARMUP_ITERATIONS)
                .warmupTime(TimeValue.seconds(ITERATION_SECONDS))
                .measurementIterations(quick ? QUICK_MEASUREMENT_ITERATIONS : MEASUREMENT_ITERATIONS)
                .measurementTime(TimeValue.seconds(ITERATION_SECONDS))
                .jvmArgs(jvmArgs.toArray(String[]::new))
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .output(outputDirectory.resolve(benchmark.name() + ".log").toString());
        Collection<RunResult> results = new Runner(options.build()).run();
        if (results.size() != 1) {
            throw new IllegalStateException("expected one JMH result for " + benchmark.name() + ", got " + results.size()
                    + "; see " + outputDirectory.resolve(benchmark.name() + ".log"));
        }
        RunResult result = results.iterator().next();
        Result<?> primary = result.getPrimaryResult();
        BenchmarkParams params = result.getParams();
        if (params.getTimeUnit() != TimeUnit.MILLISECONDS) {
            throw new IllegalStateException("unexpected time unit " + params.getTimeUnit());
        }
        // The median of the measured iterations, not their mean: on a shared two-core machine one iteration that
        // another process slowed down would otherwise move the figure; JMH's confidence half-width of the mean is
        // kept beside it so that such noise stays visible.
        double median = primary.getStatistics().getPercentile(50);
        return new Score(median, primary.getScoreError(), allocatedBytes(result));
    }

    /** The GC profiler's bytes allocated per invocation, or NaN when it reported none. */
    @SuppressWarnings("rawtypes") // JMH's RunResult hands out its secondary results as a raw Map<String, Result>.
    private static double allocatedBytes(RunResult result) {
        // JMH 1.37 names it "gc.alloc.rate.norm"; older versions put a middle dot in front.
        for (Map.Entry<String, Result> secondary : result.getSecondaryResults().entrySet()) {
            if (secondary.getKey().endsWith(GC_ALLOCATION_KEY)) {
                return secondary.getValue().getScore();
            }
        }
        return Double.NaN;
    }

    /** JDK 23+ warns on every sun.misc.Unsafe memory access (Scala and Pekko use it); the warning is noise here. */
    static List<String> quietUnsafeFlags() {
        return Runtime.version().feature() >= 23 ? List.of("--sun-misc-unsafe-memory-access=allow") : List.of();
    }

    private static Map<String, Double> measureSizesInChildJvm(int elementCount) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + SIZE_HEAP);
        command.addAll(quietUnsafeFlags());
        // JOL reads object layouts itself; this keeps it from printing its agent-attachment advice.
        command.add("-Djdk.attach.allowAttachSelf=true");
        command.add("-Djol.skipHotspotSAAttach=true");
        command.add("-XX:+EnableDynamicAgentLoading");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SizeMeasurement.class.getName());
        command.add(Integer.toString(elementCount));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, Double> sizes = new LinkedHashMap<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(SizeMeasurement.LINE_PREFIX) && line.contains("=")) {
                    int equals = line.indexOf('=');
                    sizes.put(line.substring(SizeMeasurement.LINE_PREFIX.length(), equals),
                            Double.parseDouble(line.substring(equals + 1)));
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IllegalStateException("the size measurement JVM exited with status " + exit);
        }
        return sizes;
    }

    static ComparisonTable buildTable(Map<String, Score> scores, Map<String, Double> sizes, int increments,
                                      int elementCount) {
        ComparisonTable table = new ComparisonTable();
        String incrementsText = count(increments);
        String elementsText = count(elementCount);
        table.add(rate("G-Counter: " + incrementsText + " increments over 3 replicas, then merge", "M incr/s",
                scores.get("calmdbIncrementThenMerge"), scores.get("pekkoIncrementThenMerge"), increments, 2));
        // Pekko's add has two reasonable uses (keep the accumulating delta, or reset it after each add as its
        // Replicator does); the target is judged against whichever was faster in this run.
        Score accumulating = scores.get("pekkoAdd");
        Score resetting = scores.get("pekkoAddResettingDelta");
        boolean resettingFaster = resetting != null && (accumulating == null || resetting.millis() < accumulating.millis());
        String fasterName = resettingFaster ? "resetDelta after each add" : "delta accumulating";
        String slowerName = resettingFaster ? "delta accumulating" : "resetDelta after each add";
        table.add(rate("OR-Set: " + elementsText + " distinct adds by one replica (Pekko: " + fasterName + ")",
                "M adds/s", scores.get("calmdbAdd"), resettingFaster ? resetting : accumulating, elementCount, 3));
        table.add(rate("  same, Pekko's slower variant (" + slowerName + ")", "M adds/s",
                scores.get("calmdbAdd"), resettingFaster ? accumulating : resetting, elementCount, Double.NaN));
        table.add(time("OR-Set: merge " + elementsText + " elements into an empty replica",
                scores.get("calmdbMergeIntoEmpty"), scores.get("pekkoMergeIntoEmpty"), 5));
        table.add(time("OR-Set: encode " + elementsText + " (Pekko: protobuf + gzip, as sent)",
                scores.get("calmdbEncode"), scores.get("pekkoEncode"), Double.NaN));
        table.add(time("OR-Set: decode " + elementsText + " (Pekko: gunzip + protobuf)",
                scores.get("calmdbDecode"), scores.get("pekkoDecode"), Double.NaN));
        table.add(time("OR-Set: encode " + elementsText + " (Pekko: protobuf only)",
                scores.get("calmdbEncode"), scores.get("pekkoEncodeProtobufOnly"), Double.NaN));
        table.add(time("OR-Set: decode " + elementsText + " (Pekko: protobuf only)",
                scores.get("calmdbDecode"), scores.get("pekkoDecodeProtobufOnly"), Double.NaN));
        table.add(size("OR-Set: heap per element (retained, elements excluded)", sizes,
                "heapBytesPerElement.calmdb", "heapBytesPerElement.pekko", 1, Double.NaN));
        table.add(size("OR-Set: encoded bytes per element (Pekko: raw protobuf)", sizes,
                "encodedBytesPerElement.calmdb", "encodedBytesPerElement.pekko", 0.5, Double.NaN));
        table.add(size("OR-Set: encoded bytes per element (Pekko: gzipped, as sent)", sizes,
                "encodedBytesPerElement.calmdb", "encodedBytesPerElement.pekkoGzip", Double.NaN, Double.NaN));
        table.add(size("OR-Set: one-add delta, encoded", sizes, "deltaBytes.calmdb", "deltaBytes.pekko", Double.NaN, 32));
        table.add(size("OR-Set: one-add delta, heap (retained, element excluded)", sizes,
                "deltaHeapBytes.calmdb", "deltaHeapBytes.pekko", Double.NaN, Double.NaN));
        return table;
    }

    private static ComparisonTable.Row rate(String operation, String unit, Score calmdb, Score pekko, int operations,
                                            double targetRatio) {
        return new ComparisonTable.Row(operation, ComparisonTable.Kind.RATE, unit, megaRate(calmdb, operations),
                megaRateError(calmdb, operations), megaRate(pekko, operations), megaRateError(pekko, operations),
                targetRatio, Double.NaN);
    }

    private static ComparisonTable.Row time(String operation, Score calmdb, Score pekko, double targetRatio) {
        return new ComparisonTable.Row(operation, ComparisonTable.Kind.TIME, "ms",
                calmdb == null ? Double.NaN : calmdb.millis(), calmdb == null ? Double.NaN : calmdb.millisError(),
                pekko == null ? Double.NaN : pekko.millis(), pekko == null ? Double.NaN : pekko.millisError(),
                targetRatio, Double.NaN);
    }

    private static ComparisonTable.Row size(String operation, Map<String, Double> sizes, String calmdbKey,
                                            String pekkoKey, double targetRatio, double targetAbsolute) {
        return new ComparisonTable.Row(operation, ComparisonTable.Kind.SIZE, "B",
                sizes.getOrDefault(calmdbKey, Double.NaN), Double.NaN, sizes.getOrDefault(pekkoKey, Double.NaN),
                Double.NaN, targetRatio, targetAbsolute);
    }

    /** Millions of operations per second, from milliseconds per run of {@code operations}. */
    private static double megaRate(Score score, int operations) {
        return score == null ? Double.NaN : operations / score.millis() / 1e3;
    }

    /** The rate's error, propagated to first order from the time's error. */
    private static double megaRateError(Score score, int operations) {
        return score == null ? Double.NaN : megaRate(score, operations) * score.millisError() / score.millis();
    }

    private static String allocationTable(Map<String, Score> scores, int increments, int elementCount) {
        int nameWidth = BENCHMARKS.stream().mapToInt(benchmark -> benchmark.name().length()).max().orElse(9);
        String line = "| %-" + nameWidth + "s | %10s | %19s |%n";
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, line, "benchmark", "MB per run", "B per element/incr."));
        text.append(String.format(Locale.ROOT, line, "-".repeat(nameWidth), "-".repeat(10), "-".repeat(19)));
        for (Benchmark benchmark : BENCHMARKS) {
            Score score = scores.get(benchmark.method());
            if (score == null) {
                continue;
            }
            int operations = benchmark.sizeParameter().equals("increments") ? increments : elementCount;
            text.append(String.format(Locale.ROOT, line, benchmark.name(),
                    ComparisonTable.format(score.allocatedBytes() / 1e6),
                    ComparisonTable.format(score.allocatedBytes() / operations)));
        }
        return text.toString();
    }

    /** {@code 10000000} as "10M", {@code 100000} as "100k". */
    static String count(int value) {
        if (value % 1_000_000 == 0) {
            return value / 1_000_000 + "M";
        }
        if (value % 1_000 == 0) {
            return value / 1_000 + "k";
        }
        return Integer.toString(value);
    }

    /** The module's {@code target} directory, found from where this class was loaded. */
    private static Path targetDirectory() throws URISyntaxException {
        Path classes = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path target = classes.getParent();
        return target != null && target.getFileName() != null && target.getFileName().toString().equals("target")
                ? target : Path.of("target");
    }
}
