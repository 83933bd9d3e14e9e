package io.calmdb.replication.broadcast;

import io.calmdb.crdt.ReplicaId;
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

    /**
     * {@code peer} was heard from, so its link works: what waits for its acknowledgement in backoff is resent at the
     * next tick instead of after the backoff.
     */
    void peerHeard(ReplicaId peer, long nowMillis, Outbox<RelayMessage<P>, P> out);

    /**
     * True when the stream still holds, for resending to {@code peer}, every one of this node's own messages after
     * {@code peerDeliveredFromSelf}: the stream alone will bring that peer up to date with this node's writes.
     */
    /** True when this node has delivered message {@code id} or holds it back until its dependencies arrive. */
    boolean received(io.calmdb.crdt.Dot id);

    boolean canResendAfter(ReplicaId peer, long peerDeliveredFromSelf);

    /**
     * Visits the payload of every message held back for its dependencies, in a deterministic order. A held-back
     * message was acknowledged (see {@link #received}), so a quorum read answered by this node must include it.
     */
    void forEachHeldBack(java.util.function.Consumer<P> action);
}
