/**
 * JMH benchmarks of CalmDB's CRDTs side by side with Apache Pekko Distributed Data, and the {@code ./calmdb bench}
 * entry point that runs them and prints the comparison table. It may depend on calmdb-crdt, JMH, JOL and Pekko
 * (the peer, a bench-only dependency); nothing in CalmDB may depend on it.
 */
package io.calmdb.bench;
