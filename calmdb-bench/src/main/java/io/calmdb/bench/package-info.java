/**
 * JMH benchmarks of CalmDB's CRDTs side by side with Apache Pekko Distributed Data, of the keyspace's cost per write
 * as a collection grows, and the {@code ./calmdb bench} entry point that runs them and prints their tables. It may
 * depend on calmdb-crdt, calmdb-replication, JMH, JOL and Pekko (the peer, a bench-only dependency); nothing in
 * CalmDB may depend on it.
 */
package io.calmdb.bench;
