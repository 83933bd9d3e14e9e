/**
 * Clocks ({@link io.calmdb.crdt.ReplicaId}, {@link io.calmdb.crdt.Dot}, {@link io.calmdb.crdt.VersionVector},
 * {@link io.calmdb.crdt.CausalContext}, {@link io.calmdb.crdt.HybridLogicalClock}), every delta-state CRDT type, and
 * their deterministic binary codec. This package depends on nothing but the JDK: no threads, no clock, no I/O.
 */
package io.calmdb.crdt;
