package io.calmdb.replication.broadcast;

/** The delivery order an ordered broadcast enforces with its hold-back buffer. */
public enum DeliveryOrder {
    /** Messages from one origin are delivered in the order it sent them; different origins are not ordered. */
    FIFO,
    /**
     * A message is delivered only after every message its origin had delivered before sending it (and so,
     * transitively, its whole causal past): a reply never appears before its question.
     */
    CAUSAL
}
