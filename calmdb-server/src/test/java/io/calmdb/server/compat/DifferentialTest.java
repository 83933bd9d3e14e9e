package io.calmdb.server.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.node.CalmNode;
import io.calmdb.server.node.NodeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential test: the same command sequences go to a real {@code redis-server} 7.0 and to a CalmDB node,
 * over raw RESP2, and their replies must agree. Two sources of sequences: the hand-written cases under
 * {@code src/test/resources/compat/*.txt} (every supported command family), and {@link #RANDOM_SEQUENCES} seeded
 * random sequences ({@code -Ddifferential.sequences=N} for more) of {@link #RANDOM_COMMANDS_PER_SEQUENCE} commands
 * from {@link RandomSequences}. Every case starts
 * from an empty database ({@code FLUSHALL} and {@code SCRIPT FLUSH} on both) on fresh connections. Replies are
 * compared after {@link ReplyRules} (sorted where Redis's order is undefined, by sign or shape where the reply is
 * timing-dependent or random). A difference fails the test unless {@link KnownDifferences} allows it, and an
 * allow-listed difference that no longer occurs fails it too. Replay one random sequence with
 * {@code -Ddifferential.seed=N}.
 */
class DifferentialTest {
    static final int RANDOM_SEQUENCES = 40;
    static final int RANDOM_COMMANDS_PER_SEQUENCE = 200;
    static final long RANDOM_SEED_FIRST = 9_000;
    /** How many unexpected differences the failure message lists in full. */
    static final int REPORTED_DIFFERENCES_MAX = 40;
    /** How many commands before a difference in a random sequence the report shows. */
    static final int REPORTED_CONTEXT_COMMANDS = 12;

    /** {@code -Ddifferential.trace=true} prints every command with both replies (with a seed, to replay one). */
    static final boolean TRACE = Boolean.getBoolean("differential.trace");

    @TempDir
    static Path directory;

    private static RedisServerProcess redis;
    private static CalmNode node;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start(Files.createDirectories(directory.resolve("redis")));
        node = CalmNode.start(NodeConfig.builder("differential", ReplicaId.of("virginia"), directory.resolve("calmdb"))
                .build());
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** What a run counted. */
    static final class Tally {
        int cases;
        int matched;
        int known;
        final Set<KnownDifferences.Entry> knownSeen = new LinkedHashSet<>();
        final List<String> unexpected = new ArrayList<>();
    }

    @Test
    void everyHandWrittenCase_andEverySeededRandomSequence_getsRedisReplies_exceptTheAllowListedDifferences()
            throws Exception {
        Tally tally = new Tally();
        String onlySeed = System.getProperty("differential.seed");
        if (onlySeed == null) {
            for (CompatCase compatCase : handWrittenCases()) {
                run(compatCase, tally, false);
            }
        }
        List<Long> seeds = new ArrayList<>();
        if (onlySeed != null) {
            seeds.add(Long.parseLong(onlySeed));
        } else {
            int sequences = Integer.getInteger("differential.sequences", RANDOM_SEQUENCES);
            for (int index = 0; index < sequences; index++) {
                seeds.add(RANDOM_SEED_FIRST + index);
            }
        }
        for (long seed : seeds) {
            run(new CompatCase("random seed " + seed, RandomSequences.generate(seed, RANDOM_COMMANDS_PER_SEQUENCE)),
                    tally, true);
        }
        System.out.printf("differential: %d cases, %d commands matched, %d known differences%n", tally.cases,
                tally.matched, tally.known);
        assertThat(tally.unexpected)
                .as("differences from redis-server %s not in KnownDifferences (first %d):%n%s%n", redisVersion(),
                        REPORTED_DIFFERENCES_MAX, String.join("\n", tally.unexpected.subList(0,
                                Math.min(REPORTED_DIFFERENCES_MAX, tally.unexpected.size()))))
                .isEmpty();
        if (onlySeed == null) {
            List<String> stale = KnownDifferences.ENTRIES.stream().filter(entry -> !tally.knownSeen.contains(entry))
                    .map(entry -> entry.name() + " (" + entry.command().pattern() + ")").toList();
            assertThat(stale).as("KnownDifferences entries that no longer differ: remove them from the list and "
                    + "from docs/compatibility.md").isEmpty();
        }
    }

    private static String redisVersion() throws IOException {
        try (RespFrameClient client = new RespFrameClient(redis.port())) {
            String info = client.call("INFO", "server").render();
            int start = info.indexOf("redis_version:");
            return start < 0 ? "?" : info.substring(start + 14, info.indexOf('\\', start));
        }
    }

    /** Runs one case; a case stops at its first unexpected difference, since its later replies would follow it. */
    private static void run(CompatCase compatCase, Tally tally, boolean random) throws IOException {
        tally.cases++;
        try (RespFrameClient calm = new RespFrameClient(node.respPort());
                RespFrameClient real = new RespFrameClient(redis.port())) {
            for (RespFrameClient client : List.of(calm, real)) {
                assertThat(client.call("FLUSHALL").render()).isEqualTo("+OK");
                assertThat(client.call("SCRIPT", "FLUSH").render()).isEqualTo("+OK");
            }
            List<List<String>> queued = null;
            List<CompatCase.Step> steps = compatCase.steps();
            for (int index = 0; index < steps.size(); index++) {
                CompatCase.Step step = steps.get(index);
                RespValue calmReply = calm.call(step.bytes());
                RespValue redisReply = real.call(step.bytes());
                String name = step.arguments().get(0).toUpperCase(Locale.ROOT);
                String calmText;
                String redisText;
                if (name.equals("EXEC") && queued != null) {
                    calmText = normalizeExec(queued, calmReply);
                    redisText = normalizeExec(queued, redisReply);
                } else {
                    calmText = ReplyRules.normalize(step.arguments(), calmReply).render();
                    redisText = ReplyRules.normalize(step.arguments(), redisReply).render();
                }
                if (queued != null && redisReply instanceof RespValue.Simple simple
                        && simple.text().equals("QUEUED")) {
                    queued.add(step.arguments());
                }
                List<List<String>> execQueued = queued;
                if (name.equals("MULTI") && redisText.equals("+OK")) {
                    queued = new ArrayList<>();
                } else if (name.equals("EXEC") || name.equals("DISCARD")) {
                    queued = null;
                }
                if (TRACE) {
                    System.out.printf("%s: %s%n    calmdb: %s%n    redis:  %s%n", step.origin(), step.line(), calmText,
                            redisText);
                }
                if (calmText.equals(redisText)) {
                    tally.matched++;
                    continue;
                }
                Optional<KnownDifferences.Entry> known = KnownDifferences.find(execLine(step, execQueued),
                        calmReply.render());
                if (known.isEmpty() && name.equals("EXEC") && execQueued != null) {
                    known = knownInsideExec(execQueued, calmReply, redisReply);
                }
                if (known.isPresent()) {
                    tally.known++;
                    tally.knownSeen.add(known.get());
                    continue;
                }
                StringBuilder report = new StringBuilder().append(compatCase.name()).append(" at ")
                        .append(step.origin()).append(": ").append(step.line());
                if (random) {
                    report.append("\n    replay with -Ddifferential.seed=").append(compatCase.name()
                            .substring("random seed ".length())).append("; the commands before it:");
                    for (int before = Math.max(0, index - REPORTED_CONTEXT_COMMANDS); before < index; before++) {
                        report.append("\n      ").append(steps.get(before).line());
                    }
                }
                report.append("\n    calmdb: ").append(calmText).append("\n    redis:  ").append(redisText);
                tally.unexpected.add(report.toString());
                return;
            }
        }
    }

    /** The command line an allow-list entry matches: an EXEC names its queued commands ({@code EXEC PING; GET k}). */
    private static String execLine(CompatCase.Step step, List<List<String>> queued) {
        if (queued == null || !step.arguments().get(0).equalsIgnoreCase("EXEC")) {
            return step.line();
        }
        List<String> lines = new ArrayList<>();
        for (List<String> command : queued) {
            lines.add(String.join(" ", command));
        }
        return "EXEC " + String.join("; ", lines);
    }

    /**
     * The allow-list entry that explains an EXEC reply's difference: every element that differs must be allowed for
     * the queued command it answers (the first such entry is returned), and at least one must differ.
     */
    private static Optional<KnownDifferences.Entry> knownInsideExec(List<List<String>> queued, RespValue calmReply,
                                                                    RespValue redisReply) {
        if (!(calmReply instanceof RespValue.Array calm) || !(redisReply instanceof RespValue.Array real)
                || calm.elements() == null || real.elements() == null || calm.elements().size() != queued.size()
                || real.elements().size() != queued.size()) {
            return Optional.empty();
        }
        Optional<KnownDifferences.Entry> first = Optional.empty();
        for (int index = 0; index < queued.size(); index++) {
            String calmText = ReplyRules.normalize(queued.get(index), calm.elements().get(index)).render();
            String redisText = ReplyRules.normalize(queued.get(index), real.elements().get(index)).render();
            if (calmText.equals(redisText)) {
                continue;
            }
            Optional<KnownDifferences.Entry> entry = KnownDifferences.find(String.join(" ", queued.get(index)),
                    calm.elements().get(index).render());
            if (entry.isEmpty()) {
                return Optional.empty();
            }
            first = first.isPresent() ? first : entry;
        }
        return first;
    }

    private static String normalizeExec(List<List<String>> queued, RespValue reply) {
        if (!(reply instanceof RespValue.Array array) || array.elements() == null
                || array.elements().size() != queued.size()) {
            return reply.render();
        }
        List<String> rendered = new ArrayList<>();
        for (int index = 0; index < queued.size(); index++) {
            rendered.add(ReplyRules.normalize(queued.get(index), array.elements().get(index)).render());
        }
        return "[" + String.join(", ", rendered) + "]";
    }

    static List<CompatCase> handWrittenCases() throws IOException, URISyntaxException {
        URL folder = DifferentialTest.class.getClassLoader().getResource("compat");
        assertThat(folder).as("test resources folder compat/").isNotNull();
        List<Path> files;
        try (Stream<Path> listing = Files.list(Path.of(folder.toURI()))) {
            files = listing.filter(path -> path.toString().endsWith(".txt")).sorted().toList();
        }
        assertThat(files).as("case files in compat/").isNotEmpty();
        List<CompatCase> cases = new ArrayList<>();
        for (Path file : files) {
            try (InputStream input = Files.newInputStream(file)) {
                cases.addAll(CompatCase.parse(file.getFileName().toString(),
                        new String(input.readAllBytes(), StandardCharsets.UTF_8)));
            }
        }
        return cases;
    }
}
