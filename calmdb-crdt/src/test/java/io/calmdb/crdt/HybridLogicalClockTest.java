package io.calmdb.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HybridLogicalClockTest {

    @Test
    void now_followsPhysicalTimeWhenItAdvances() {
        HybridLogicalClock clock = new HybridLogicalClock();
        assertThat(clock.now(100)).isEqualTo(new HlcTimestamp(100, 0));
        assertThat(clock.now(105)).isEqualTo(new HlcTimestamp(105, 0));
    }

    @Test
    void now_countsLogicallyWhenPhysicalTimeStallsOrGoesBack() {
        HybridLogicalClock clock = new HybridLogicalClock();
        clock.now(100);
        assertThat(clock.now(100)).isEqualTo(new HlcTimestamp(100, 1));
        assertThat(clock.now(90)).isEqualTo(new HlcTimestamp(100, 2));
        assertThat(clock.send(100)).isEqualTo(new HlcTimestamp(100, 3));
        assertThat(clock.last()).isEqualTo(new HlcTimestamp(100, 3));
    }

    @Test
    void timestamps_areStrictlyMonotonicWhateverThePhysicalClockDoes() {
        long seed = 55;
        SplittableRandom random = new SplittableRandom(seed);
        HybridLogicalClock clock = new HybridLogicalClock(1_000);
        HlcTimestamp previous = HlcTimestamp.ZERO;
        long physical = 1_000;
        for (int i = 0; i < 10_000; i++) {
            physical = Math.max(0, physical + random.nextInt(-5, 6));
            HlcTimestamp next;
            if (random.nextInt(3) == 0) {
                HlcTimestamp remote = new HlcTimestamp(Math.max(0, physical + random.nextInt(-50, 50)), random.nextInt(4));
                next = clock.receive(remote, physical);
                assertThat(next).as("seed %d step %d", seed, i).isGreaterThan(remote);
            } else {
                next = clock.now(physical);
            }
            assertThat(next).as("seed %d step %d", seed, i).isGreaterThan(previous);
            assertThat(next.physicalMillis()).isGreaterThanOrEqualTo(physical);
            previous = next;
        }
    }

    @Test
    void receive_isGreaterThanBothTheRemoteAndEveryLocalTimestamp() {
        HybridLogicalClock clock = new HybridLogicalClock();
        HlcTimestamp local = clock.now(100);
        HlcTimestamp remote = new HlcTimestamp(300, 7);
        HlcTimestamp received = clock.receive(remote, 200);
        assertThat(received).isEqualTo(new HlcTimestamp(300, 8));
        assertThat(received).isGreaterThan(remote).isGreaterThan(local);
        assertThat(clock.now(200)).isEqualTo(new HlcTimestamp(300, 9));
    }

    @Test
    void receive_ofAnOlderTimestamp_stillAdvancesTheClock() {
        HybridLogicalClock clock = new HybridLogicalClock();
        clock.now(500);
        assertThat(clock.receive(new HlcTimestamp(400, 3), 450)).isEqualTo(new HlcTimestamp(500, 1));
        assertThat(clock.receive(new HlcTimestamp(500, 6), 450)).isEqualTo(new HlcTimestamp(500, 7));
        assertThat(clock.receive(new HlcTimestamp(500, 1), 600)).isEqualTo(new HlcTimestamp(600, 0));
    }

    @Test
    void receive_rejectsATimestampBeyondTheDriftBoundAndLeavesTheClockUnchanged() {
        HybridLogicalClock clock = new HybridLogicalClock(500);
        clock.now(1_000);
        HlcTimestamp before = clock.last();
        assertThatThrownBy(() -> clock.receive(new HlcTimestamp(1_501, 0), 1_000))
                .isInstanceOfSatisfying(ClockDriftException.class, e -> {
                    assertThat(e.driftMillis()).isEqualTo(501);
                    assertThat(e.maxForwardDriftMillis()).isEqualTo(500);
                })
                .hasMessageContaining("maxForwardDriftMillis");
        assertThat(clock.last()).isEqualTo(before);
        assertThat(clock.now(1_000)).isEqualTo(new HlcTimestamp(1_000, 1));
    }

    @Test
    void receive_acceptsATimestampExactlyAtTheDriftBound() {
        HybridLogicalClock clock = new HybridLogicalClock(500);
        assertThat(clock.receive(new HlcTimestamp(1_500, 2), 1_000)).isEqualTo(new HlcTimestamp(1_500, 3));
        assertThat(clock.maxForwardDriftMillis()).isEqualTo(500);
        assertThat(new HybridLogicalClock().maxForwardDriftMillis()).isEqualTo(HybridLogicalClock.DEFAULT_MAX_FORWARD_DRIFT_MILLIS);
    }

    @Test
    void argumentsAreValidated() {
        assertThatThrownBy(() -> new HybridLogicalClock(-1)).hasMessageContaining("maxForwardDriftMillis");
        assertThatThrownBy(() -> new HybridLogicalClock().now(-1)).hasMessageContaining("nowMillis");
        assertThatThrownBy(() -> new HybridLogicalClock().receive(null, 0)).hasMessageContaining("remote");
        assertThatThrownBy(() -> new HlcTimestamp(-1, 0)).hasMessageContaining("physicalMillis");
        assertThatThrownBy(() -> new HlcTimestamp(0, -1)).hasMessageContaining("logical");
    }

    @Test
    void timestampsOrderByPhysicalTimeThenLogicalCounter() {
        assertThat(new HlcTimestamp(2, 0)).isGreaterThan(new HlcTimestamp(1, 99));
        assertThat(new HlcTimestamp(1, 1)).isGreaterThan(new HlcTimestamp(1, 0));
        assertThat(HlcTimestamp.ZERO).isLessThan(new HlcTimestamp(0, 1));
    }
}
