package io.calmdb.server.resp;

/**
 * A snapshot of a {@link RespServer}'s counters, for {@code INFO} and metrics. Counts are since the server started.
 *
 * @param connectionsOpen client connections open now
 * @param connectionsAccepted client connections accepted in total
 * @param connectionsRejected connections refused because {@link RespServerConfig#connectionsMax()} was reached
 * @param commandsProcessed commands decoded and answered or dispatched, including errors for unknown commands
 * @param protocolErrors connections closed for a protocol error or an exceeded bound
 */
public record RespServerStatistics(int connectionsOpen, long connectionsAccepted, long connectionsRejected,
    long commandsProcessed, long protocolErrors) {}
