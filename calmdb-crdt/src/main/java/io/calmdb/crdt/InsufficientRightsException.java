package io.calmdb.crdt;

/**
 * Thrown when a replica asks a {@link BoundedCounter} to decrement, or to transfer rights, by more than the
 * rights it holds locally. This is an operating condition, not a bug: the stock is short here, so the caller
 * must either refuse the operation or obtain rights from another replica (the coordinated slow path) and
 * retry. It is checked so that no caller can forget that path. The counter is unchanged when it is thrown.
 */
public final class InsufficientRightsException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient ReplicaId replica;
    private final long requested;
    private final long available;

    public InsufficientRightsException(ReplicaId replica, long requested, long available) {
        super("replica " + replica + " holds " + available + " rights, fewer than the " + requested
                + " requested; obtain a transfer of rights from another replica first");
        this.replica = replica;
        this.requested = requested;
        this.available = available;
    }

    /** The replica that lacked rights. */
    public ReplicaId replica() {
        return replica;
    }

    /** How many rights the refused operation needed. */
    public long requested() {
        return requested;
    }

    /** How many rights the replica held when it refused. */
    public long available() {
        return available;
    }
}
