/**
 * Fault tests with real node processes on loopback: each node is its own JVM, killed with SIGKILL or stopped with
 * SIGTERM, partitioned over RESP, and fed hostile bytes. Test code only; it may depend on the server's public
 * command line, on Jedis and on plain sockets, never on a node's internals.
 */
package io.calmdb.server.faults;
