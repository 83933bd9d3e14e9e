/**
 * Benchmark probes run by {@code ./calmdb bench server} against real processes over loopback sockets.
 * Test sources only: they may use the server module and its dependencies, and are never run by Surefire.
 */
package io.calmdb.server.bench;
