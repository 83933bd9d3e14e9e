package io.calmdb.sim.cluster;

import java.util.List;

/**
 * What one whole-cluster simulation found.
 *
 * @param scenario               what ran
 * @param violations             every broken promise, one sentence each (empty when all held)
 * @param lostAcknowledgedWrites acknowledged writes whose effect is missing after heal
 * @param writesIssued           client writes issued
 * @param writesAcknowledged     client writes acknowledged
 * @param waitsChecked           {@code WAIT} answers checked against the peers' state
 * @param crashes                node crashes (with loss of what the policy does not protect)
 * @param partitions             partitions scheduled
 * @param stateTransfers         state transfers completed
 * @param convergedAfterMillis   virtual time from heal to identical state on every replica (-1: never)
 * @param checkpointRecoveries   restarts that recovered from a committed checkpoint plus the log after it
 * @param transactions           transactions issued (multi-key writes committed as one unit)
 * @param transactionChecks      observations of a replica at which every transaction was checked whole or absent
 * @param partialAfterTransfer   observations that showed a transaction in part right after a state transfer (a
 *                               known gap: transfers are not snapshots), not counted as violations
 */
public record ClusterResult(ClusterScenario scenario, List<String> violations, long lostAcknowledgedWrites,
        long writesIssued, long writesAcknowledged, long waitsChecked, int crashes, int partitions,
        long stateTransfers, long convergedAfterMillis, int checkpointRecoveries, long transactions,
        long transactionChecks, long partialAfterTransfer) {
    public ClusterResult {
        violations = List.copyOf(violations);
    }

    public boolean passed() {
        return violations.isEmpty();
    }
}
