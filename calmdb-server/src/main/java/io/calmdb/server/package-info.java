/**
 * The server's entry point for starting a whole node: {@link io.calmdb.server.CalmServer} wires the node package
 * to its HTTP front door. It may depend on every server package; only the CLI, the embedded API and tests use it.
 */
package io.calmdb.server;
