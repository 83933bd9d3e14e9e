/**
 * The law kit: a seeded, shrinking checker that proves any {@link io.calmdb.crdt.Crdt} converges, obeys the lattice
 * laws and agrees with a sequential oracle, usable from any test framework because it reports by
 * {@link java.lang.AssertionError}. Depends only on {@code io.calmdb.crdt} and the JDK: no test library, no clock.
 */
package io.calmdb.crdt.laws;
