package io.calmdb.replication.keyspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** x87 long double emulation: each expected string is what redis-server 7.0 answered to INCRBYFLOAT. */
class LongDoubleTest {
    private static String add(String a, String b) {
        return LongDouble.parse(a).add(LongDouble.parse(b)).toRedisString();
    }

    @Test
    void sums_printRedisDigits() {
        assertThat(add("1000", "0.1")).isEqualTo("1000.09999999999999998");
        assertThat(add("100", "0.1")).isEqualTo("100.1");
        assertThat(add("11000000000", "0.3")).isEqualTo("11000000000.29999999981373549");
        assertThat(add("0", "5.0e3")).isEqualTo("5000");
        assertThat(add("0.1", "0.2")).isEqualTo("0.3");
        assertThat(add("0", "-0.0")).isEqualTo("0");
        assertThat(add("9223372036854775807", "1")).isEqualTo("9223372036854775808");
        assertThat(add("0", "0x1.8p1")).isEqualTo("3");
        assertThat(add("26.5", "1e-20")).isEqualTo("26.5");
    }

    @Test
    void parse_refusesWhatStringToLongDoubleRefuses() {
        for (String bad : new String[] {"", " 1", "1 ", "abc", "nan", "1e5000", "1e-5000", "0x", ".", "1e", "--1"}) {
            assertThat(LongDouble.parse(bad)).as(bad).isNull();
        }
        assertThat(LongDouble.parse("inf").isFinite()).isFalse();
        assertThat(LongDouble.parse("-Infinity").isFinite()).isFalse();
        assertThat(LongDouble.parse("1e4932").exact()).isEqualTo(LongDouble.parse("1e4932").exact());
        assertThat(LongDouble.parse("1e4933")).isNull();
    }

    @Test
    void overflow_isInfinite() {
        assertThat(LongDouble.parse("1e4932").add(LongDouble.parse("1e4932")).isFinite()).isFalse();
        assertThat(LongDouble.parse("inf").add(LongDouble.parse("-inf")).isFinite()).isFalse();
    }

    @Test
    void integers_areExact() {
        assertThat(LongDouble.of(Long.MIN_VALUE).exact()).isEqualTo(new BigDecimal(Long.MIN_VALUE));
        assertThat(LongDouble.of(Long.MAX_VALUE).toRedisString()).isEqualTo(Long.toString(Long.MAX_VALUE));
    }
}
