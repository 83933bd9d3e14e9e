package io.calmdb.crdt.laws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GCounterLawsTest {
    @Test
    void gCounter_obeysEveryLaw_inAThousandRandomCases() {
        LawChecker.Summary summary = LawChecker.check(new GCounterModel());

        assertThat(summary.cases()).isEqualTo(1_000);
        assertThat(summary.casesCausal()).isBetween(400, 600);
        assertThat(summary.operationsAccepted()).isGreaterThan(5_000);
        assertThat(summary.operationsRefused()).isZero();
    }
}
