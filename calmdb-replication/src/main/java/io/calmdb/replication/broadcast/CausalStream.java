package io.calmdb.replication.broadcast;

import io.calmdb.crdt.VersionVector;

/**
 * Causal broadcast as a replica uses it beside state transfer: besides the protocol's inputs it reports what it
 * has delivered and can skip ahead when a transferred state already includes some messages. Obtain one from
 * {@link Broadcasts#causalStream}.
 *
 * @param <P> the payload type
 */
public interface CausalStream<P> extends BroadcastProtocol<RelayMessage<P>, P> {
    /** How many messages of each origin this node has delivered (its vector clock). */
    VersionVector delivered();

    /**
     * Marks everything at or below {@code covered} as delivered without delivering it, because a state that
     * includes those messages' effects was applied; held-back messages it covers are dropped and messages that
     * have become deliverable are delivered into {@code out}.
     */
    void skipTo(VersionVector covered, Outbox<RelayMessage<P>, P> out);
}
