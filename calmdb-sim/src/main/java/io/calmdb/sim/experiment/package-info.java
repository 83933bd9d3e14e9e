/**
 * The lessons' broadcast and causality results as runnable experiments ({@code ./calmdb sim NAME}): each runs seeded
 * simulations and returns tables of plain data that the CLI formats. Depends on calmdb-sim's core, its checkers,
 * calmdb-replication and calmdb-crdt.
 */
package io.calmdb.sim.experiment;
