package io.calmdb.replication.broadcast;

/**
 * Remembers the earliest wake-up a protocol has asked for, so that asking again for a later time does not pile up
 * redundant timers in the driver.
 */
final class Alarm {
    private long requestedMillis = Long.MAX_VALUE;

    /** Asks to be woken at {@code atMillis} unless an earlier wake-up is already pending. */
    <M, P> void request(long atMillis, Outbox<M, P> out) {
        if (atMillis < requestedMillis) {
            requestedMillis = atMillis;
            out.wakeAt(atMillis);
        }
    }

    /** Called on every tick: a wake-up at or before {@code nowMillis} has fired and is no longer pending. */
    void ticked(long nowMillis) {
        if (requestedMillis <= nowMillis) {
            requestedMillis = Long.MAX_VALUE;
        }
    }
}
