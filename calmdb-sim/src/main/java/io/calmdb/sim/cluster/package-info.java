/**
 * Whole-node simulation: several real {@link io.calmdb.replication.core.ReplicaCore}s over the simulated network,
 * disk and clocks, with client workloads on every type, partitions, crashes and restarts, checked against a model of
 * the workload. Deterministic from a seed; depends only on the simulator, the core and the CRDTs.
 */
package io.calmdb.sim.cluster;
