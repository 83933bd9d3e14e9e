/**
 * Application-shaped tests: what a typical Redis application does (a lock, a transaction, a session with a TTL, a
 * script, pub/sub) through each client library's own API, against a real CalmDB cluster on loopback. Test sources
 * only; they use the server module's public node API and real client libraries.
 */
package io.calmdb.server.apps;
