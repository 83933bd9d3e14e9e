package io.calmdb.bench;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The cost of one write as the collection it touches grows: one key holding {@link #members} fields or members, and
 * {@value #OPERATIONS_PER_INVOCATION} writes of {@link #command} per invocation, each applied to the {@link Keyspace}
 * and its delta encoded with {@code Codecs.encode(Keyspace.CODEC, delta)}, which is what a node does before it logs
 * and ships the delta. The rule it guards (DESIGN.md): a write costs time proportional to its delta, so the rate at
 * 10^6 members should be within 2x of the rate at 10^3.
 *
 * <p>A batch of writes changes the collection, so before each invocation (untimed) the previous batch is undone: the
 * fields an HSET created are deleted again, the fields an HDEL deleted are set again, and likewise for sets. The key
 * therefore holds between {@code members} and {@code members + OPERATIONS_PER_INVOCATION} entries throughout, and the
 * batch is a tenth of the smallest size, so HDEL and SREM never empty the key. HINCRBY increments existing fields,
 * which changes no size.
 *
 * <p>Besides JMH's wall-clock samples, each batch measures the CPU time of the thread that runs it, because on a
 * machine shared with other work the wall clock also counts the time other processes held the cores. At the end of
 * a trial, the encoded size of the last delta and the CPU nanoseconds per write of each measured iteration are
 * written to the directory named by the system property {@value #DELTA_BYTES_DIRECTORY_PROPERTY}, for the table.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WriteCostBenchmark {
    /** Writes per invocation: a tenth of the smallest collection, large enough that timing overhead vanishes. */
    static final int OPERATIONS_PER_INVOCATION = 100;
    /** Fields or members per command while building the collection: the fixture, not the measured write. */
    private static final int FILL_MEMBERS_PER_COMMAND = 1_000;
    /** Where the encoded size of each trial's last delta goes (a directory); nothing is written when unset. */
    static final String DELTA_BYTES_DIRECTORY_PROPERTY = "calmdb.bench.cost.deltaBytesDirectory";

    /** The commands measured, by their Redis names. */
    enum Command {
        HSET, HDEL, HINCRBY, SADD, SREM;

        boolean onHash() {
            return this != SADD && this != SREM;
        }
    }

    @Param({"HSET", "HDEL", "HINCRBY", "SADD", "SREM"})
    public String command;

    /** Fields or members the key holds before each batch. */
    @Param({"1000", "10000", "100000", "1000000"})
    public int members;

    private static final ReplicaId REPLICA = ReplicaId.of("bench");
    private static final Bytes KEY = Bytes.ofUtf8("bigkey");
    private static final Bytes VALUE = Bytes.ofUtf8("1");
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Command parsed;
    private Keyspace keyspace;
    /** What each batch writes: new names for HSET and SADD, existing ones for the others. */
    private Bytes[] targets;
    private List<Bytes>[] targetLists;
    private Map<Bytes, Bytes>[] targetFields;
    private boolean batchToUndo;
    private long nowMillis = 1;
    private int lastDeltaBytes;
    private boolean measuring;
    private long iterationCpuNanos;
    private long iterationWrites;
    private final List<Double> measuredCpuNanosPerWrite = new ArrayList<>();

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void fill() throws KeyspaceException {
        parsed = Command.valueOf(command);
        keyspace = new Keyspace(REPLICA);
        for (int start = 0; start < members; start += FILL_MEMBERS_PER_COMMAND) {
            int end = Math.min(members, start + FILL_MEMBERS_PER_COMMAND);
            if (parsed.onHash()) {
                Map<Bytes, Bytes> fields = new LinkedHashMap<>();
                for (int i = start; i < end; i++) {
                    fields.put(member(i), VALUE);
                }
                keyspace.hashSet(KEY, fields, nowMillis);
            } else {
                List<Bytes> batch = new java.util.ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    batch.add(member(i));
                }
                keyspace.setAdd(KEY, batch, nowMillis);
            }
        }
        boolean creates = parsed == Command.HSET || parsed == Command.SADD;
        targets = new Bytes[OPERATIONS_PER_INVOCATION];
        targetLists = new List[OPERATIONS_PER_INVOCATION];
        targetFields = new Map[OPERATIONS_PER_INVOCATION];
        for (int i = 0; i < OPERATIONS_PER_INVOCATION; i++) {
            // Existing targets are spread over the whole collection rather than its first entries.
            targets[i] = creates ? Bytes.ofUtf8("new-" + i) : member((int) ((long) i * members / OPERATIONS_PER_INVOCATION));
            targetLists[i] = List.of(targets[i]);
            targetFields[i] = Map.of(targets[i], VALUE);
        }
        requireSize(members);
    }

    private static Bytes member(int index) {
        return Bytes.ofUtf8("member-" + index);
    }

    /** Undoes the previous batch, untimed, so that every batch meets a collection of the same size. */
    @Setup(Level.Invocation)
    public void undoPreviousBatch() throws KeyspaceException {
        if (!batchToUndo) {
            return;
        }
        batchToUndo = false;
        nowMillis++;
        switch (parsed) {
            case HSET -> keyspace.hashDelete(KEY, List.of(targets));
            case HDEL -> {
                for (Map<Bytes, Bytes> fields : targetFields) {
                    keyspace.hashSet(KEY, fields, nowMillis);
                }
            }
            case SADD -> keyspace.setRemove(KEY, List.of(targets));
            case SREM -> keyspace.setAdd(KEY, List.of(targets), nowMillis);
            case HINCRBY -> { }
        }
    }

    @Setup(Level.Iteration)
    public void startIteration(IterationParams iteration) {
        measuring = iteration.getType() == IterationType.MEASUREMENT;
        iterationCpuNanos = 0;
        iterationWrites = 0;
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        if (measuring && iterationWrites > 0) {
            measuredCpuNanosPerWrite.add((double) iterationCpuNanos / iterationWrites);
        }
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS_PER_INVOCATION)
    public void write(Blackhole blackhole) throws KeyspaceException {
        long cpuStartNanos = THREADS.getCurrentThreadCpuTime();
        nowMillis++;
        int bytes = 0;
        for (int i = 0; i < OPERATIONS_PER_INVOCATION; i++) {
            OrMap<Bytes, KeyValue> delta = switch (parsed) {
                case HSET -> keyspace.hashSet(KEY, targetFields[i], nowMillis).delta();
                case HDEL -> keyspace.hashDelete(KEY, targetLists[i]).delta();
                case HINCRBY -> keyspace.hashIncrementBy(KEY, targets[i], 1, nowMillis).delta();
                case SADD -> keyspace.setAdd(KEY, targetLists[i], nowMillis).delta();
                case SREM -> keyspace.setRemove(KEY, targetLists[i]).delta();
            };
            byte[] encoded = Codecs.encode(Keyspace.CODEC, delta);
            bytes = encoded.length;
            blackhole.consume(encoded);
        }
        lastDeltaBytes = bytes;
        batchToUndo = true;
        iterationCpuNanos += THREADS.getCurrentThreadCpuTime() - cpuStartNanos;
        iterationWrites += OPERATIONS_PER_INVOCATION;
    }

    @TearDown(Level.Trial)
    public void recordDeltaBytes() throws KeyspaceException, IOException {
        undoPreviousBatch();
        requireSize(members);
        String directory = System.getProperty(DELTA_BYTES_DIRECTORY_PROPERTY);
        if (directory != null) {
            Files.writeString(Path.of(directory).resolve(deltaBytesFileName(command, members)),
                    Integer.toString(lastDeltaBytes), StandardCharsets.UTF_8);
            // Appended: every fork of a trial adds its iterations to the same file.
            StringBuilder lines = new StringBuilder();
            for (double nanos : measuredCpuNanosPerWrite) {
                lines.append(nanos).append('\n');
            }
            Files.writeString(Path.of(directory).resolve(cpuNanosFileName(command, members)), lines,
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    static String deltaBytesFileName(String command, int members) {
        return "delta-bytes-" + command + "-" + members + ".txt";
    }

    static String cpuNanosFileName(String command, int members) {
        return "cpu-nanos-per-write-" + command + "-" + members + ".txt";
    }

    /** The benchmark measures nothing if the undo drifted; fail the trial instead. */
    private void requireSize(int expected) throws KeyspaceException {
        int actual = parsed.onHash() ? keyspace.hashSize(KEY) : keyspace.setSize(KEY);
        if (actual != expected) {
            throw new IllegalStateException("the key holds " + actual + " members, expected " + expected);
        }
    }
}
