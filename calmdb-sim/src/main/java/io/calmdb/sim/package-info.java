/**
 * The deterministic simulator: virtual time, one event queue ordered by (time, sequence), one seeded random
 * generator, a network that delays, loses, duplicates, reorders, partitions and clogs, and crash/restart with loss of
 * unflushed storage. Depends on calmdb-replication and calmdb-crdt only; no threads, sockets, files or wall clock.
 */
package io.calmdb.sim;
