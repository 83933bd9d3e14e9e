/**
 * Compatibility tests against a real {@code redis-server}: the differential test that sends the same commands to
 * Redis and to a CalmDB node and compares the replies, and the {@code redis-benchmark} run. Test sources only; they
 * use the server module and real processes on loopback.
 */
package io.calmdb.server.compat;
