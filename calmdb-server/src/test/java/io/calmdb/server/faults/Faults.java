package io.calmdb.server.faults;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import redis.clients.jedis.Jedis;

/**
 * TEST FIXTURE: bounded waits and the two views of a replica the fault tests compare: every key's value as a
 * client reads it, and the digest of the encoded state ({@code DEBUG DIGEST}).
 */
final class Faults {
    /** The interval of every bounded polling wait, in milliseconds. */
    static final long POLL_MILLIS = 25;
    /** How long replicas may take to converge once writes stop and links are up. */
    static final Duration CONVERGENCE_WAIT_MAX = Duration.ofSeconds(60);

    private Faults() {}

    /** Polls {@code condition} until it holds, failing after {@code timeout} with {@code detail}'s description. */
    static void awaitTrue(String what, Duration timeout, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            NodeProcess.pause();
        }
        fail("timed out after " + timeout + " waiting for " + what + "\n" + detail.get());
    }

    /** The node's {@code DEBUG DIGEST}: a hash of its whole encoded state. */
    static String digest(NodeProcess node) {
        try (Jedis jedis = node.client()) {
            return new String((byte[]) jedis.sendCommand(() -> "DEBUG".getBytes(), "DIGEST".getBytes()),
                    java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * Every key's type and value as a client reads them, sorted so two replicas' views compare as strings:
     * {@code string:v}, {@code set:[a, b]}, {@code hash:{f=v}}.
     */
    static Map<String, String> values(NodeProcess node) {
        Map<String, String> values = new TreeMap<>();
        try (Jedis jedis = node.client()) {
            for (String key : new TreeSet<>(jedis.keys("*"))) {
                String type = jedis.type(key);
                String value = switch (type) {
                    case "string" -> jedis.get(key);
                    case "set" -> new TreeSet<>(jedis.smembers(key)).toString();
                    case "hash" -> new TreeMap<>(jedis.hgetAll(key)).toString();
                    default -> "?";
                };
                values.put(key, type + ":" + value);
            }
        }
        return values;
    }

    /**
     * Waits until every node reports the same digest and the same values for every key. Callers stop writing first,
     * so once the views agree they stay equal.
     */
    static void awaitConvergence(ProcessCluster cluster) {
        List<NodeProcess> nodes = cluster.nodes();
        Map<String, Object> last = new LinkedHashMap<>();
        awaitTrue("identical digests and values on " + nodes.size() + " nodes", CONVERGENCE_WAIT_MAX, () -> {
            last.clear();
            List<String> digests = new ArrayList<>();
            List<Map<String, String>> views = new ArrayList<>();
            for (NodeProcess node : nodes) {
                String digest = digest(node);
                Map<String, String> values = values(node);
                digests.add(digest);
                views.add(values);
                last.put(node.replica(), digest + " " + abbreviate(values.toString()));
            }
            return Set.copyOf(digests).size() == 1 && views.stream().distinct().count() == 1;
        }, () -> "last views: " + last);
    }

    static String abbreviate(String text) {
        return text.length() <= 2_000 ? text : text.substring(0, 2_000) + "... (" + text.length() + " characters)";
    }
}
