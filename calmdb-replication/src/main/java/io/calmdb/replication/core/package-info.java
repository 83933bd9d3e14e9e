/**
 * The replica core: the one sans-IO state machine that makes every decision of a CalmDB node (sequencing and
 * logging local deltas, the causal stream, repair by digest and state transfer, acknowledgements and {@code WAIT}).
 * The server drives it with Netty, RocksDB and the real clock; the simulator drives the very same object. Depends
 * only on {@code io.calmdb.crdt}, the keyspace and the broadcast protocols; never on sockets, threads or clocks.
 */
package io.calmdb.replication.core;
