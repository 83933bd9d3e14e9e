package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GlobPatternTest {
    private static boolean matches(String pattern, String text) {
        return GlobPattern.of(pattern.getBytes(StandardCharsets.UTF_8)).matches(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void matchesLikeRedis() {
        assertThat(matches("h?llo", "hello")).isTrue();
        assertThat(matches("h*llo", "heeeello")).isTrue();
        assertThat(matches("h*llo", "hllo")).isTrue();
        assertThat(matches("h[ae]llo", "hallo")).isTrue();
        assertThat(matches("h[ae]llo", "hillo")).isFalse();
        assertThat(matches("h[^e]llo", "hallo")).isTrue();
        assertThat(matches("h[^e]llo", "hello")).isFalse();
        assertThat(matches("h[a-b]llo", "hbllo")).isTrue();
        assertThat(matches("h[a-b]llo", "hcllo")).isFalse();
        assertThat(matches("h\\*llo", "h*llo")).isTrue();
        assertThat(matches("h\\*llo", "hello")).isFalse();
        assertThat(matches("*", "")).isTrue();
        assertThat(matches("a*b*c", "axxbyyc")).isTrue();
        assertThat(matches("a*b*c", "axxbyy")).isFalse();
    }

    @Test
    void aHostilePattern_finishesInLinearTimeSteps() {
        // a*a*a*...b against a long run of 'a': exponential for naive backtracking, quadratic at worst here.
        String pattern = "a*".repeat(30) + "b";
        String text = "a".repeat(2_000);
        assertThat(matches(pattern, text)).isFalse();
    }
}
