package io.calmdb.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.GCounter;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.broadcast.Broadcasts;
import io.calmdb.replication.broadcast.RelayMessage;
import io.calmdb.sim.check.BroadcastChecks;
import io.calmdb.sim.check.ConvergenceCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checkers catch what they claim to catch, so a green property test means something. */
class CheckersTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");

    @Test
    void noDuplicateDelivery_flagsASecondDeliveryInOneIncarnation() {
        DeliveryLog<String> log = DeliveryLog.create(false);
        log.recordBroadcast(A, Dot.of(A, 1), "x", 0);
        log.recordDelivery(B, 0, Dot.of(A, 1), "x", 1);
        log.recordDelivery(B, 0, Dot.of(A, 1), "x", 2);
        log.recordDelivery(B, 1, Dot.of(A, 1), "x", 3);
        assertThat(BroadcastChecks.noDuplicateDelivery(log).count()).isEqualTo(1);
    }

    @Test
    void noDeliveryOfUnsent_flagsAnInventedIdAndAChangedPayload() {
        DeliveryLog<String> log = DeliveryLog.create(false);
        log.recordBroadcast(A, Dot.of(A, 1), "x", 0);
        log.recordDelivery(B, 0, Dot.of(A, 2), "y", 1);
        log.recordDelivery(C, 0, Dot.of(A, 1), "changed", 1);
        assertThat(BroadcastChecks.noDeliveryOfUnsent(log).count()).isEqualTo(2);
    }

    @Test
    void agreement_flagsACorrectNodeThatMissedAMessage() {
        DeliveryLog<String> log = DeliveryLog.create(false);
        log.recordBroadcast(A, Dot.of(A, 1), "x", 0);
        log.recordDelivery(A, 0, Dot.of(A, 1), "x", 0);
        log.recordDelivery(B, 0, Dot.of(A, 1), "x", 1);
        assertThat(BroadcastChecks.agreement(log, List.of(A, B, C)).count()).isEqualTo(1);
        assertThat(BroadcastChecks.agreement(log, List.of(A, B)).none()).isTrue();
    }

    @Test
    void causalOrder_flagsAReplyDeliveredBeforeItsQuestion() {
        DeliveryLog<String> log = DeliveryLog.create(true);
        log.recordBroadcast(A, Dot.of(A, 1), "question", 0);
        log.recordDelivery(A, 0, Dot.of(A, 1), "question", 0);
        log.recordDelivery(B, 0, Dot.of(A, 1), "question", 5);
        log.recordBroadcast(B, Dot.of(B, 1), "reply", 6);
        log.recordDelivery(B, 0, Dot.of(B, 1), "reply", 6);
        log.recordDelivery(C, 0, Dot.of(B, 1), "reply", 7);
        log.recordDelivery(C, 0, Dot.of(A, 1), "question", 9);
        assertThat(BroadcastChecks.causalOrder(log).count()).isEqualTo(1);
    }

    @Test
    void convergence_flagsReplicasThatDiffer() {
        GCounter one = new GCounter();
        one.increment(A);
        GCounter two = new GCounter();
        assertThat(ConvergenceCheck.check(Map.of(A, one, B, two), null).count()).isEqualTo(1);
        assertThat(ConvergenceCheck.check(Map.of(A, one, B, one.copy()), one).none()).isTrue();
    }

    @Test
    void bestEffort_losesAgreementUnderFaults_forSomeSeed() {
        // The property test of best-effort checks only safety; this shows the agreement checker would notice.
        boolean violated = false;
        for (long seed = 1; seed <= 20 && !violated; seed++) {
            FaultyScenario scenario = new FaultyScenario(seed, Trace.off());
            BroadcastCluster<RelayMessage<String>, String> cluster = BroadcastCluster.create(scenario.simulation,
                    scenario.network, scenario.members, (self, members, recovered, random) ->
                            Broadcasts.bestEffort(self, members), 0, false);
            cluster.start();
            scenario.plan(cluster, 25, FaultyScenario.NodeFault.CRASH_MIDWAY, FaultyScenario::text);
            scenario.runToQuiet();
            violated = !BroadcastChecks.agreement(cluster.log(), cluster.correctNodes()).none();
        }
        assertThat(violated).isTrue();
    }
}
