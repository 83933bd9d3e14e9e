package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Crdt;
import io.calmdb.crdt.ReplicaId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The example of docs/law-kit.md, kept here verbatim so the documentation stays true. */
class LawKitExampleTest {
    // --- example: type ---
    /** A register that keeps the largest number ever written: merge is max, a join on the order of longs. */
    static final class MaxRegister implements Crdt<MaxRegister> {
        private long max = Long.MIN_VALUE;

        /** Writes {@code value}; returns the delta, a register holding just that value. */
        MaxRegister write(long value) {
            max = Math.max(max, value);
            MaxRegister delta = new MaxRegister();
            delta.max = value;
            return delta;
        }

        long value() {
            return max;
        }

        @Override
        public MaxRegister merge(MaxRegister other) {
            max = Math.max(max, other.max);
            return this;
        }

        @Override
        public MaxRegister copy() {
            MaxRegister copy = new MaxRegister();
            copy.max = max;
            return copy;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof MaxRegister register && register.max == max;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(max);
        }

        @Override
        public String toString() {
            return "MaxRegister(" + max + ")";
        }
    }
    // --- end: type ---

    // --- example: model ---
    record Write(long value) {}

    static final class MaxRegisterModel implements CrdtModel<MaxRegister, Write> {
        @Override
        public String name() {
            return "MaxRegister";
        }

        @Override
        public MaxRegister empty() {
            return new MaxRegister();
        }

        @Override
        public Write randomOperation(RandomGenerator random, ReplicaId replica, MaxRegister state) {
            return new Write(random.nextInt(-50, 50));
        }

        @Override
        public MaxRegister apply(MaxRegister state, ReplicaId replica, Write operation) {
            return state.write(operation.value());
        }

        @Override
        public Object value(MaxRegister state) {
            return state.value();
        }

        @Override
        public byte[] encode(MaxRegister state) {
            return ByteBuffer.allocate(Long.BYTES).putLong(state.value()).array();
        }

        @Override
        public MaxRegister decode(byte[] bytes) {
            return new MaxRegister().merge(new MaxRegister().write(ByteBuffer.wrap(bytes).getLong()));
        }

        @Override
        public Object oracleValue(List<Event<Write>> history) {
            return history.stream().mapToLong(event -> event.operation().value()).max().orElse(Long.MIN_VALUE);
        }
    }
    // --- end: model ---

    // --- example: test ---
    @Test
    void maxRegister_obeysEveryLaw() {
        LawChecker.Summary summary = LawChecker.check(new MaxRegisterModel());

        assertThat(summary.cases()).isEqualTo(1_000);
    }
    // --- end: test ---

    @Test
    void lawKitDocumentation_showsThisExampleVerbatim() throws IOException {
        // Surefire runs in the module directory, so the sources and the repository's docs are at fixed places.
        String source = Files.readString(Path.of("src/test/java/io/calmdb/crdt/laws/LawKitExampleTest.java"));
        String documentation = Files.readString(Path.of("../docs/law-kit.md"));
        Matcher block = Pattern.compile("    // --- example: (\\w+) ---\n(.*?)    // --- end: \\1 ---\n", Pattern.DOTALL)
                .matcher(source);
        int blocks = 0;
        while (block.find()) {
            String unindented = block.group(2).lines().map(line -> line.startsWith("    ") ? line.substring(4) : line)
                    .reduce((first, second) -> first + "\n" + second).orElseThrow();
            assertThat(documentation).as("docs/law-kit.md shows the '%s' block", block.group(1)).contains(unindented);
            blocks++;
        }
        assertThat(blocks).isEqualTo(3);
    }
}
