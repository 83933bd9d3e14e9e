package io.calmdb.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The simulator is honest only if the code it drives cannot reach the real world: no class in calmdb-sim or
 * calmdb-replication may use threads, sockets, files, the wall clock or unseeded randomness.
 */
class NoRealWorldAccessTest {
    private static final List<String> FORBIDDEN = List.of("Thread", "Executor", "CompletableFuture",
            "System.currentTimeMillis", "System.nanoTime", "Instant.now", "LocalDateTime.now", "Clock.system",
            "new Random()", "ThreadLocalRandom", "SecureRandom", "Math.random", "java.net.", "java.nio.file",
            "java.io.File", "synchronized");

    @Test
    void mainSources_ofSimAndReplication_useNoThreadsSocketsClocksOrUnseededRandomness() throws IOException {
        List<String> offences = new ArrayList<>();
        for (Path root : List.of(Path.of("src/main/java"), Path.of("../calmdb-replication/src/main/java"))) {
            assertThat(root).isDirectory();
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                    String source = Files.readString(file);
                    for (String token : FORBIDDEN) {
                        if (source.contains(token)) {
                            offences.add(file + " uses " + token);
                        }
                    }
                }
            }
        }
        assertThat(offences).isEmpty();
    }
}
