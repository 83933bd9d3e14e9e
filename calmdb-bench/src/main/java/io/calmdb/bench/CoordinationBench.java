package io.calmdb.bench;

import java.lang.management.ManagementFactory;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.util.SafeEncoder;

/**
 * {@code ./calmdb bench coordination}: the coordination tax on real sockets. Connects to three running regions (by
 * default the demo's RESP ports 6380-6382; start them with {@code ./calmdb demo --wan} for wide-area round trips)
 * and, from each region in turn, times one operation at a time, one client, no pipelining:
 *
 * <ul>
 *   <li>{@code INCR}: a local CRDT write, acknowledged once in the region's log;</li>
 *   <li>{@code INCR} then {@code WAIT 1} and {@code WAIT 2}: the write acknowledged by a majority of the three
 *       regions (what a Raft or Paxos write waits for: the seed's "coordinated" row) and by every region;</li>
 *   <li>{@code QUORUM R 2 GET}: a read merged from two regions;</li>
 *   <li>{@code CLAIM} of a fresh name whose authority ({@code CLAIM.AUTHORITY}) is another region, one row per
 *       authority;</li>
 *   <li>{@code ID.NEXT}: a generated ID, local by construction;</li>
 *   <li>{@code BC.DECRBY 1} within this region's rights (a counter it initialised), and beyond them (a fresh
 *       counter per sample, initialised at another region, so this region holds no rights and must ask for a
 *       transfer), one row per holder.</li>
 * </ul>
 *
 * <p>Every sample is the wall time from sending the command to reading its reply ({@link System#nanoTime}), in ms.
 * Every run uses fresh names and keys (prefixed with the run's start time), so it can run again against the same
 * demo. A reply that is not the success the row expects (a {@code WAIT} short of its count, a claim not
 * {@code ACCEPTED}, an error) counts as failed and is left out of the percentiles.
 */
public final class CoordinationBench {
    /** The demo's first RESP port; the regions take this and the next two. */
    static final int PORT_BASE_DEFAULT = 6380;
    static final int REGIONS = 3;
    static final int SAMPLES_DEFAULT = 200;
    /** {@code WAIT}'s timeout, and the claim and rights-transfer timeouts, in ms. */
    static final int TIMEOUT_MILLIS_DEFAULT = 5_000;
    /** Untimed operations of each kind before its samples, so connections and JITs are warm. */
    static final int WARMUP_SAMPLES = 20;
    /** How long the preparation waits for a counter initialised elsewhere to arrive, in ms. */
    static final long ARRIVAL_WAIT_MILLIS_MAX = 30_000;
    /** Candidate names tried per wanted name when looking for one whose authority is a given region. */
    static final int AUTHORITY_CANDIDATES_MAX = 1_000;

    /** The command line: where the regions listen, how many samples, the coordination timeout. */
    record Settings(String host, int portBase, int samples, int timeoutMillis) {
        Settings {
            if (samples < 1) {
                throw new IllegalArgumentException("--samples must be at least 1, got " + samples);
            }
            if (portBase < 1 || portBase + REGIONS - 1 > 65_535) {
                throw new IllegalArgumentException("--port-base must be between 1 and " + (65_535 - REGIONS + 1)
                        + ", got " + portBase);
            }
            if (timeoutMillis < 1) {
                throw new IllegalArgumentException("--timeout must be at least 1 ms, got " + timeoutMillis);
            }
        }

        static Settings parse(List<String> args) {
            String host = "127.0.0.1";
            int portBase = PORT_BASE_DEFAULT;
            int samples = SAMPLES_DEFAULT;
            int timeout = TIMEOUT_MILLIS_DEFAULT;
            for (int i = 0; i < args.size(); i++) {
                String option = args.get(i);
                if (!List.of("--host", "--port-base", "--samples", "--timeout").contains(option)) {
                    throw new IllegalArgumentException("unexpected argument '" + option + "'");
                }
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                String value = args.get(++i);
                switch (option) {
                    case "--host" -> host = value;
                    case "--port-base" -> portBase = integer(option, value);
                    case "--samples" -> samples = integer(option, value);
                    default -> timeout = integer(option, value);
                }
            }
            return new Settings(host, portBase, samples, timeout);
        }

        private static int integer(String option, String value) {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException notANumber) {
                throw new IllegalArgumentException(option + " needs an integer, got '" + value + "'");
            }
        }
    }

    /** One row: an operation's latency percentiles over its successful samples, in ms. */
    record Row(String operation, int samples, int failed, double p50, double p99, double mean) {
        static Row of(String operation, long[] nanos, int failed) {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            return new Row(operation, sorted.length, failed, millis(percentile(sorted, 50)),
                    millis(percentile(sorted, 99)), millis(CoordinationBench.mean(sorted)));
        }

        private static double millis(double nanos) {
            return nanos / 1e6;
        }
    }

    /** A region's table. */
    record RegionResult(String region, int port, List<Row> rows) {
        Row row(String operationPrefix) {
            return rows.stream().filter(row -> row.operation().startsWith(operationPrefix)).findFirst().orElse(null);
        }
    }

    private CoordinationBench() {}

    /**
     * The nearest-rank percentile of sorted samples: the smallest sample with at least {@code p} percent of the
     * samples at or below it ({@code p} in (0, 100]); NaN for no samples.
     */
    static double percentile(long[] sorted, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    static double mean(long[] samples) {
        if (samples.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (long sample : samples) {
            sum += sample;
        }
        return sum / samples.length;
    }

    public static void main(String[] args) throws InterruptedException {
        if (List.of(args).contains("-h") || List.of(args).contains("--help")) {
            System.out.println(usage());
            return;
        }
        Settings settings;
        try {
            settings = Settings.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("bench coordination: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        System.out.println("CalmDB coordination tax: " + settings.samples() + " samples per row, one client, from each of "
                + "the regions on " + settings.host() + ":" + settings.portBase() + "-" + (settings.portBase() + REGIONS - 1));
        System.out.println("started: " + started + "; " + Runtime.getRuntime().availableProcessors()
                + " processors, load average " + loadAverage());
        List<RegionResult> results;
        try {
            results = run(settings, line -> {
                System.out.println(line);
                System.out.flush();
            });
        } catch (RuntimeException e) {
            System.err.println("bench coordination: " + e.getMessage());
            System.err.println("  (are three regions running? ./calmdb demo [--wan] [--port-base N])");
            System.exit(1);
            return;
        }
        System.out.println();
        System.out.print(report(results));
        System.out.println("finished: " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                + ", load average " + loadAverage());
    }

    static String usage() {
        return """
                usage: ./calmdb bench coordination [--port-base N] [--samples N] [--timeout MS] [--host HOST]
                  against three running regions, for example ./calmdb demo --wan
                  --port-base N  the regions' RESP ports are N, N+1, N+2 (default 6380, the demo's)
                  --samples N    samples per row (default 200)
                  --timeout MS   WAIT, CLAIM and BC.DECRBY timeout (default 5000)
                  --host HOST    where the regions listen (default 127.0.0.1)""";
    }

    private static String loadAverage() {
        return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Measures every row from every region, region by region; {@code progress} gets a line per row. */
    static List<RegionResult> run(Settings settings, java.util.function.Consumer<String> progress)
            throws InterruptedException {
        String runId = Long.toString(System.currentTimeMillis(), 36);
        List<Jedis> clients = new ArrayList<>();
        try {
            Map<String, Jedis> byRegion = new LinkedHashMap<>();
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < REGIONS; i++) {
                int port = settings.portBase() + i;
                Jedis client = new Jedis(settings.host(), port, settings.timeoutMillis() * 4);
                clients.add(client);
                byRegion.put(regionName(client), client);
                ports.add(port);
            }
            if (byRegion.size() != REGIONS) {
                throw new IllegalStateException("the ports " + ports + " are not three different regions: " + byRegion.keySet());
            }
            List<RegionResult> results = new ArrayList<>();
            int index = 0;
            for (Map.Entry<String, Jedis> region : byRegion.entrySet()) {
                results.add(measureRegion(settings, runId, region.getKey(), ports.get(index++), region.getValue(), byRegion,
                        progress));
            }
            return results;
        } finally {
            clients.forEach(Jedis::close);
        }
    }

    private static RegionResult measureRegion(Settings settings, String runId, String region, int port, Jedis client,
                                              Map<String, Jedis> regions, java.util.function.Consumer<String> progress)
            throws InterruptedException {
        int n = settings.samples();
        String timeout = Integer.toString(settings.timeoutMillis());
        String prefix = "bench:coord:" + runId + ":" + region + ":";
        List<String> others = regions.keySet().stream().filter(name -> !name.equals(region)).toList();
        List<Row> rows = new ArrayList<>();
        progress.accept("region " + region + " (port " + port + ")");
        String counter = prefix + "incr";

        rows.add(measure("INCR (local CRDT write)", n, progress, i -> {
            call(client, "INCR", counter);
            return true;
        }));
        rows.add(measure("INCR + WAIT 1 (a majority of 3)", n, progress, i -> {
            call(client, "INCR", counter);
            return ((Long) call(client, "WAIT", "1", timeout)) >= 1;
        }));
        rows.add(measure("INCR + WAIT 2 (every region)", n, progress, i -> {
            call(client, "INCR", counter);
            return ((Long) call(client, "WAIT", "2", timeout)) >= 2;
        }));
        rows.add(measure("QUORUM R 2 GET", n, progress, i -> {
            call(client, "QUORUM", "R", "2", "TIMEOUT", timeout, "GET", counter);
            return true;
        }));
        String namespace = "bench-" + runId;
        for (String authority : others) {
            List<String> names = namesWithAuthority(client, namespace, region + "-" + authority, authority,
                    n + WARMUP_SAMPLES);
            rows.add(measure("CLAIM, authority " + authority, n, progress, i -> {
                Object reply = call(client, "CLAIM", namespace, names.get(i), "bench-" + region, "TIMEOUT", timeout);
                return "ACCEPTED".equals(text(reply));
            }));
        }
        rows.add(measure("ID.NEXT", n, progress, i -> {
            call(client, "ID.NEXT", namespace);
            return true;
        }));
        String within = prefix + "bc-within";
        call(client, "BC.INIT", within, Long.toString(4L * (n + WARMUP_SAMPLES)));
        rows.add(measure("BC.DECRBY within local rights", n, progress, i -> {
            call(client, "BC.DECRBY", within, "1", "TIMEOUT", timeout);
            return true;
        }));
        for (String holder : others) {
            Jedis holderClient = regions.get(holder);
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < n + WARMUP_SAMPLES; i++) {
                String key = prefix + "bc-beyond:" + holder + ":" + i;
                call(holderClient, "BC.INIT", key, "1000");
                keys.add(key);
            }
            awaitArrival(client, region, keys);
            rows.add(measure("BC.DECRBY beyond, rights at " + holder, n, progress, i -> {
                call(client, "BC.DECRBY", keys.get(i), "1", "TIMEOUT", timeout);
                return true;
            }));
        }
        return new RegionResult(region, port, rows);
    }

    /** An operation timed once per sample; returns whether the reply was the expected success. */
    @FunctionalInterface
    private interface Operation {
        boolean run(int sample);
    }

    private static Row measure(String name, int samples, java.util.function.Consumer<String> progress, Operation operation) {
        for (int i = 0; i < WARMUP_SAMPLES; i++) {
            attempt(operation, samples + i);
        }
        long[] nanos = new long[samples];
        int succeeded = 0;
        int failed = 0;
        for (int i = 0; i < samples; i++) {
            long start = System.nanoTime();
            boolean ok = attempt(operation, i);
            long elapsed = System.nanoTime() - start;
            if (ok) {
                nanos[succeeded++] = elapsed;
            } else {
                failed++;
            }
        }
        Row row = Row.of(name, Arrays.copyOf(nanos, succeeded), failed);
        progress.accept(String.format(Locale.ROOT, "  %-38s p50 %8.2f ms  p99 %8.2f ms%s", name, row.p50(), row.p99(),
                failed == 0 ? "" : "  (" + failed + " failed)"));
        return row;
    }

    private static boolean attempt(Operation operation, int sample) {
        try {
            return operation.run(sample);
        } catch (JedisDataException error) {
            return false;
        }
    }

    /** Fresh names {@code tag-0, tag-1, ...} of the namespace, only those whose authority is {@code authority}. */
    private static List<String> namesWithAuthority(Jedis client, String namespace, String tag, String authority, int count) {
        List<String> names = new ArrayList<>();
        int tried = 0;
        while (names.size() < count) {
            if (tried > (long) AUTHORITY_CANDIDATES_MAX * count) {
                throw new IllegalStateException("found no names whose authority is " + authority);
            }
            String name = tag + "-" + tried++;
            List<?> reply = (List<?>) call(client, "CLAIM.AUTHORITY", namespace, name);
            if (authority.equals(text(reply.get(0)))) {
                names.add(name);
            }
        }
        return names;
    }

    /** Waits until every counter, initialised at another region, is visible at this one. */
    private static void awaitArrival(Jedis client, String region, List<String> keys) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ARRIVAL_WAIT_MILLIS_MAX);
        for (String key : keys) {
            while (call(client, "BC.GET", key) == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the counter " + key + " did not reach " + region + " within "
                            + ARRIVAL_WAIT_MILLIS_MAX + " ms");
                }
                Thread.sleep(5);
            }
        }
    }

    private static Object call(Jedis client, String command, String... args) {
        ProtocolCommand protocolCommand = () -> SafeEncoder.encode(command);
        return client.sendCommand(protocolCommand, args);
    }

    private static String text(Object reply) {
        return reply instanceof byte[] bytes ? SafeEncoder.encode(bytes) : String.valueOf(reply);
    }

    private static String regionName(Jedis client) {
        String info = text(call(client, "INFO", "server"));
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("replica_id:")) {
                return line.substring("replica_id:".length()).trim();
            }
        }
        throw new IllegalStateException("INFO server names no replica_id: is this a CalmDB node?");
    }

    /** One table per region, then the seed's comparison: the local write against the coordinated ones. */
    static String report(List<RegionResult> results) {
        StringBuilder text = new StringBuilder();
        for (RegionResult result : results) {
            Row local = result.row("INCR (local");
            text.append("From ").append(result.region()).append(" (RESP port ").append(result.port()).append("):\n\n");
            int width = Math.max(9, result.rows().stream().mapToInt(row -> row.operation().length()).max().orElse(9));
            String line = "| %-" + width + "s | %8s | %8s | %8s | %8s | %7s |%n";
            text.append(String.format(Locale.ROOT, line, "operation", "p50 ms", "p99 ms", "mean ms", "x local", "samples"));
            text.append(String.format(Locale.ROOT, line, "-".repeat(width), "-".repeat(8), "-".repeat(8), "-".repeat(8),
                    "-".repeat(8), "-".repeat(7)));
            for (Row row : result.rows()) {
                text.append(String.format(Locale.ROOT, line, row.operation(), format(row.p50()), format(row.p99()),
                        format(row.mean()), local == null ? "" : format(row.p50() / local.p50()),
                        row.samples() + (row.failed() == 0 ? "" : " (" + row.failed() + " failed)")));
            }
            text.append('\n');
        }
        text.append("The seed's first table (write latency, p50 ms; the seed: coordinated 180-360 ms from Tokyo,"
                + " uncoordinated 1-5 ms):\n\n");
        String line = "| %-10s | %22s | %24s | %20s |%n";
        text.append(String.format(Locale.ROOT, line, "region", "uncoordinated (INCR)", "coordinated (WAIT 1)",
                "every region (WAIT 2)"));
        text.append(String.format(Locale.ROOT, line, "-".repeat(10), "-".repeat(22), "-".repeat(24), "-".repeat(20)));
        for (RegionResult result : results) {
            text.append(String.format(Locale.ROOT, line, result.region(), p50(result.row("INCR (local")),
                    p50(result.row("INCR + WAIT 1")), p50(result.row("INCR + WAIT 2"))));
        }
        text.append('\n');
        return text.toString();
    }

    private static String p50(Row row) {
        return row == null ? "" : format(row.p50());
    }

    /** Three significant digits or so: 0.412, 4.12, 41.2, 412. */
    static String format(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        double magnitude = Math.abs(value);
        String pattern = magnitude >= 100 ? "%.0f" : magnitude >= 10 ? "%.1f" : magnitude >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, value);
    }
}
