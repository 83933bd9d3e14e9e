package io.calmdb.server.embedded;

import io.calmdb.crdt.ReplicaId;
import io.calmdb.server.node.NodeConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The example of {@code docs/embedded.md}, kept here so that it compiles and runs in every build;
 * {@link EmbeddedExampleTest} checks the document shows exactly the text between the markers.
 */
final class EmbeddedExample {
    private EmbeddedExample() {}

    /** What the example read back, for the test to check. */
    record Outcome(long likes, Optional<String> name, Set<String> tags, Map<String, String> user, String refusal) {}

    static Outcome run(Path dataDirectory) {
        // example:start
        NodeConfig config = NodeConfig.builder("my-app", ReplicaId.of("virginia"), dataDirectory)
                .resp("127.0.0.1", 0)  // 0 picks a free port; the node still serves redis-cli and HTTP
                .http("127.0.0.1", 0)
                .build();
        try (EmbeddedCalmDb db = EmbeddedCalmDb.open(config)) {
            // Counters: every region may increment; the futures complete once the change is durable.
            db.counter("likes").increment(5).join();
            long likes = db.counter("likes").increment(1).join();          // 6

            // Registers: last writer wins by hybrid logical clock.
            db.register("name").set("ada").join();
            Optional<String> name = db.register("name").get().join();      // Optional[ada]

            // Sets: a concurrent add wins over a remove.
            db.set("tags").add("crdt", "calm", "java").join();
            db.set("tags").remove("java").join();
            Set<String> tags = db.set("tags").members().join();            // [calm, crdt]

            // Maps: fields are registers with a counter on top.
            db.map("user:1").put("name", "Ada Lovelace").join();
            db.map("user:1").increment("visits", 1).join();
            Map<String, String> user = db.map("user:1").entries().join();  // {name=Ada Lovelace, visits=1}

            // A key's type is fixed by its first write, as in Redis.
            String refusal;
            try {
                db.set("likes").add("oops").join();
                refusal = "none";
            } catch (java.util.concurrent.CompletionException e) {
                refusal = e.getCause() instanceof WrongTypeException wrongType ? wrongType.getMessage() : e.toString();
            }
            return new Outcome(likes, name, tags, user, refusal);
        }
        // example:end
    }
}
