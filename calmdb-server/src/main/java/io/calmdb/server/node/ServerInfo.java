package io.calmdb.server.node;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code INFO memory}, {@code stats} and {@code cpu} fields a JVM process can fill honestly, named as Redis 7.0
 * names them, and the sampling behind {@code instantaneous_ops_per_sec} and the {@code kbps} rates: like Redis's
 * {@code trackInstantaneousMetric}, a sample every {@link #SAMPLE_MILLIS} and the mean rate of the last
 * {@link #SAMPLES} samples. Fields Redis fills from its allocator or its own bookkeeping that CalmDB does not keep
 * (keyspace hits, allocator fragmentation, fork times) are left out rather than reported as zero.
 *
 * <p>Memory is the JVM's: {@code used_memory} is the heap in use (it includes garbage not yet collected, so it moves
 * more than Redis's), {@code used_memory_rss} the process's resident set from {@code /proc/self/statm}. CPU times
 * come from {@code /proc/self/stat} (user and system split) and the JVM's per-thread clock for the keyspace thread,
 * Redis's "main thread". Thread-safe: sampling happens on the keyspace thread, reads on any.
 */
final class ServerInfo {
    /** How often the rates are sampled, in milliseconds, as Redis's 100 ms cron. */
    static final long SAMPLE_MILLIS = 100;
    /** Samples averaged into a rate, as Redis's {@code STATS_METRIC_SAMPLES}. */
    static final int SAMPLES = 16;
    /** Bytes of a memory page, for {@code /proc/self/statm}'s page counts. */
    private static final long PAGE_BYTES = 4096;
    /** Clock ticks per second of {@code /proc/self/stat}'s CPU times (Linux's USER_HZ). */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private final Runtime runtime = Runtime.getRuntime();
    private final long startupHeapBytes = heapUsedBytes();
    private final Rate operations = new Rate();
    private final Rate inputBytes = new Rate();
    private final Rate outputBytes = new Rate();
    private volatile long peakHeapBytes = startupHeapBytes;
    private volatile long keyspaceThreadId = -1;
    // CONFIG RESETSTAT's baselines: the counters that cannot be reset where they are kept are reported from here.
    private volatile long commandsBaseline;
    private volatile long connectionsBaseline;
    private volatile long rejectedConnectionsBaseline;
    private volatile long expiredKeysBaseline;

    /** One rate: per-second values of the last {@link #SAMPLES} intervals. */
    private static final class Rate {
        private final double[] perSecond = new double[SAMPLES];
        private int next;
        private long lastValue = -1;
        private long lastMillis;

        synchronized void sample(long nowMillis, long value) {
            if (lastValue >= 0 && nowMillis > lastMillis) {
                perSecond[next] = (value - lastValue) * 1000.0 / (nowMillis - lastMillis);
                next = (next + 1) % SAMPLES;
            }
            lastValue = value;
            lastMillis = nowMillis;
        }

        synchronized double mean() {
            double sum = 0;
            for (double value : perSecond) {
                sum += value;
            }
            return sum / SAMPLES;
        }

        synchronized void reset() {
            java.util.Arrays.fill(perSecond, 0);
        }
    }

    /** Records the keyspace thread, Redis's main thread for {@code used_cpu_*_main_thread}. */
    void keyspaceThread(long threadId) {
        keyspaceThreadId = threadId;
    }

    /** Takes one sample of the counters behind the instantaneous rates (keyspace thread). */
    void sample(long nowMillis, long commandsProcessed, long netInputBytes, long netOutputBytes) {
        operations.sample(nowMillis, commandsProcessed);
        inputBytes.sample(nowMillis, netInputBytes);
        outputBytes.sample(nowMillis, netOutputBytes);
        long used = heapUsedBytes();
        if (used > peakHeapBytes) {
            peakHeapBytes = used;
        }
    }

    /** {@code CONFIG RESETSTAT}: the counters given start again from zero in {@code INFO stats}. */
    void resetStatistics(long commandsProcessed, long connectionsAccepted, long connectionsRejected, long keysExpired) {
        commandsBaseline = commandsProcessed;
        connectionsBaseline = connectionsAccepted;
        rejectedConnectionsBaseline = connectionsRejected;
        expiredKeysBaseline = keysExpired;
        operations.reset();
        inputBytes.reset();
        outputBytes.reset();
    }

    /** {@code INFO memory}. */
    Map<String, Object> memory(int cachedScripts) {
        Map<String, Object> memory = new LinkedHashMap<>();
        long used = heapUsedBytes();
        long peak = Math.max(peakHeapBytes, used);
        long rss = residentBytes();
        memory.put("used_memory", used);
        memory.put("used_memory_human", human(used));
        memory.put("used_memory_rss", rss);
        memory.put("used_memory_rss_human", human(rss));
        memory.put("used_memory_peak", peak);
        memory.put("used_memory_peak_human", human(peak));
        memory.put("used_memory_peak_perc", String.format(Locale.ROOT, "%.2f%%", peak == 0 ? 0.0 : 100.0 * used / peak));
        memory.put("used_memory_startup", startupHeapBytes);
        long total = totalSystemBytes();
        memory.put("total_system_memory", total);
        memory.put("total_system_memory_human", human(total));
        memory.put("number_of_cached_scripts", cachedScripts);
        memory.put("maxmemory", 0);
        memory.put("maxmemory_human", "0B");
        memory.put("maxmemory_policy", "noeviction");
        memory.put("mem_fragmentation_ratio", String.format(Locale.ROOT, "%.2f", used == 0 ? 0.0 : (double) rss / used));
        memory.put("mem_allocator", "jvm");
        memory.put("jvm_heap_committed", runtime.totalMemory());
        memory.put("jvm_heap_max", runtime.maxMemory());
        return memory;
    }

    /** {@code INFO stats}, from the front door's and the core's counters. */
    Map<String, Object> stats(long connectionsAccepted, long commandsProcessed, long netInputBytes, long netOutputBytes,
            long connectionsRejected, long keysExpired, int pubSubChannels, int pubSubPatterns, long errorReplies,
            long pubSubOutputLimitDisconnections) {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("total_connections_received", connectionsAccepted - connectionsBaseline);
        stats.put("total_commands_processed", commandsProcessed - commandsBaseline);
        stats.put("instantaneous_ops_per_sec", Math.round(operations.mean()));
        stats.put("total_net_input_bytes", netInputBytes);
        stats.put("total_net_output_bytes", netOutputBytes);
        stats.put("instantaneous_input_kbps", String.format(Locale.ROOT, "%.2f", inputBytes.mean() / 1024));
        stats.put("instantaneous_output_kbps", String.format(Locale.ROOT, "%.2f", outputBytes.mean() / 1024));
        stats.put("rejected_connections", connectionsRejected - rejectedConnectionsBaseline);
        stats.put("expired_keys", keysExpired - expiredKeysBaseline);
        stats.put("evicted_keys", 0);
        stats.put("pubsub_channels", pubSubChannels);
        stats.put("pubsub_patterns", pubSubPatterns);
        stats.put("total_error_replies", errorReplies);
        stats.put("pubsub_output_limit_disconnections", pubSubOutputLimitDisconnections);
        return stats;
    }

    /** {@code INFO cpu}: seconds of CPU, with microseconds, as Redis prints them. */
    Map<String, Object> cpu() {
        Map<String, Object> cpu = new LinkedHashMap<>();
        long[] process = processCpuNanos();
        cpu.put("used_cpu_sys", seconds(process[1]));
        cpu.put("used_cpu_user", seconds(process[0]));
        cpu.put("used_cpu_sys_children", seconds(0));
        cpu.put("used_cpu_user_children", seconds(0));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long id = keyspaceThreadId;
        long threadCpu = id < 0 || !threads.isThreadCpuTimeSupported() ? -1 : threads.getThreadCpuTime(id);
        long threadUser = id < 0 || !threads.isThreadCpuTimeSupported() ? -1 : threads.getThreadUserTime(id);
        if (threadCpu >= 0 && threadUser >= 0) {
            cpu.put("used_cpu_sys_main_thread", seconds(Math.max(0, threadCpu - threadUser)));
            cpu.put("used_cpu_user_main_thread", seconds(threadUser));
        }
        return cpu;
    }

    private long heapUsedBytes() {
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private long residentBytes() {
        try {
            String[] fields = Files.readString(Path.of("/proc/self/statm"), StandardCharsets.US_ASCII).trim().split(" ");
            return Long.parseLong(fields[1]) * PAGE_BYTES;
        } catch (IOException | RuntimeException unavailable) {
            return runtime.totalMemory();
        }
    }

    private static long totalSystemBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    /** The process's user and system CPU time, in nanoseconds. */
    private static long[] processCpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            // The command name in parentheses may hold spaces; fields are counted after its closing parenthesis.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long tickNanos = 1_000_000_000L / CLOCK_TICKS_PER_SECOND;
            return new long[] {Long.parseLong(fields[11]) * tickNanos, Long.parseLong(fields[12]) * tickNanos};
        } catch (IOException | RuntimeException unavailable) {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return new long[] {Math.max(0, os.getProcessCpuTime()), 0};
            }
            return new long[] {0, 0};
        }
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%d.%06d", nanos / 1_000_000_000L, (nanos % 1_000_000_000L) / 1_000);
    }

    /** Redis's {@code bytesToHuman}: {@code 1.27M}, {@code 32.00K}, {@code 200B}. */
    static String human(long bytes) {
        double value = bytes;
        if (bytes < 1024) {
            return bytes + "B";
        }
        String[] units = {"K", "M", "G", "T", "P", "E"};
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.2f%s", value, units[unit]);
    }
}
