package io.calmdb.server.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example in {@code docs/embedded.md} is the one this build compiles, and it does what the document says. */
class EmbeddedExampleTest {
    private static final String START = "// example:start";
    private static final String END = "// example:end";

    @TempDir
    Path directory;

    @Test
    void theExample_runsAndReadsBackWhatItWrote() {
        EmbeddedExample.Outcome outcome = EmbeddedExample.run(directory);
        assertThat(outcome.likes()).isEqualTo(6);
        assertThat(outcome.name()).contains("ada");
        assertThat(outcome.tags()).containsExactly("calm", "crdt");
        assertThat(outcome.user()).isEqualTo(Map.of("name", "Ada Lovelace", "visits", "1"));
        assertThat(outcome.refusal()).startsWith("WRONGTYPE");
    }

    @Test
    void theDocument_showsExactlyTheCompiledExample() throws IOException {
        Path source = Path.of("src/test/java/io/calmdb/server/embedded/EmbeddedExample.java");
        Path document = Path.of("../docs/embedded.md");
        assertThat(between(Files.readAllLines(document))).isEqualTo(between(Files.readAllLines(source)));
    }

    /** The lines between the markers, with the common indentation removed. */
    private static List<String> between(List<String> lines) {
        int start = -1;
        int end = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(START)) {
                start = i + 1;
            } else if (lines.get(i).strip().equals(END)) {
                end = i;
            }
        }
        assertThat(start).as("a '%s' marker", START).isPositive();
        assertThat(end).as("a '%s' marker after the start", END).isGreaterThan(start);
        List<String> block = lines.subList(start, end);
        int indent = block.stream().filter(line -> !line.isBlank())
                .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
        return block.stream().map(line -> line.isBlank() ? "" : line.substring(indent)).toList();
    }
}
