/**
 * Checkers of broadcast and replication properties over a run's {@link io.calmdb.sim.DeliveryLog}: no duplicate
 * delivery, no delivery of a message never sent, agreement, validity, causal order, and CRDT convergence. They read
 * only the log and replica states, never protocol internals; they depend on calmdb-sim's core and calmdb-crdt.
 */
package io.calmdb.sim.check;
