package io.calmdb.replication.keyspace;

import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CausalCounter;
import io.calmdb.crdt.CausalType;
import io.calmdb.crdt.CausalValue;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Crdt;
import io.calmdb.crdt.CrdtType;
import io.calmdb.crdt.HlcTimestamp;
import io.calmdb.crdt.MvRegister;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.ValueCodec;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A Redis string: a last-writer-wins register of bytes plus a counter of increments applied on top of it, both
 * drawing dots from one shared causal context. Redis treats a counter as a string holding an integer, and so does
 * this type: {@code SET x 10} then {@code INCR x} reads 11.
 *
 * <p>Writing a value replaces the register and resets the counter entries this replica has observed, so a
 * concurrent increment made elsewhere survives on top of the new value. Reading: with no counter entries the
 * value is the register's; otherwise it is the register's integer (0 when the register is empty) plus the
 * counter; when the register holds a non-integer next to surviving increments (a SET of text concurrent with an
 * INCR), the text wins. Every rule reads only the joined state, so replicas agree.
 */
public final class StringValue implements Crdt<StringValue>, CausalValue<StringValue> {
    private static final CausalType<MvRegister<Bytes>> REGISTER = MvRegister.type(ValueCodec.BYTES);
    private static final CausalType<CausalCounter> COUNTER = CausalCounter.type();

    private final MvRegister<Bytes> register;
    private final CausalCounter counter;
    private final CausalContext context;
    private boolean partial;

    private StringValue(MvRegister<Bytes> register, CausalCounter counter, CausalContext context, boolean partial) {
        this.register = register;
        this.counter = counter;
        this.context = context;
        this.partial = partial;
    }

    static StringValue empty(CausalContext context) {
        return new StringValue(REGISTER.empty(context), COUNTER.empty(context), context, false);
    }

    /** Combines nested deltas, each with its own fresh context, into one delta over the union of their contexts. */
    private static StringValue delta(MvRegister<Bytes> registerDelta, CausalCounter counterDelta) {
        CausalContext context = new CausalContext();
        context.merge(registerDelta.context()).merge(counterDelta.context());
        return new StringValue(registerDelta.copyWith(context), counterDelta.copyWith(context), context, true);
    }

    /** Sets the value at {@code replica}, resetting observed increments; returns the delta. */
    StringValue set(ReplicaId replica, Bytes value, HlcTimestamp timestamp) {
        MvRegister<Bytes> registerDelta = register.write(replica, value, timestamp);
        CausalCounter counterDelta = counter.reset();
        return delta(registerDelta, counterDelta);
    }

    /** Adds {@code amount} (non-zero) at {@code replica}; the caller has checked the value is an integer. */
    StringValue incrementBy(ReplicaId replica, long amount) {
        CausalCounter counterDelta = amount > 0 ? counter.increment(replica, amount)
                : counter.decrement(replica, amount == Long.MIN_VALUE ? Long.MIN_VALUE : -amount);
        return delta(REGISTER.emptyDelta(new CausalContext()), counterDelta);
    }

    /** Removes the register writes and counter entries this replica has observed; returns the delta. */
    StringValue clearAll() {
        return delta(register.clear(), counter.reset());
    }

    /** The current value, or empty when nothing survives. */
    public Optional<Bytes> value() {
        Optional<Bytes> written = register.lastWriterValue();
        if (counter.isBottom()) {
            return written;
        }
        long base = 0;
        if (written.isPresent()) {
            Long parsed = parseInteger(written.get());
            if (parsed == null) {
                return written;
            }
            base = parsed;
        }
        // Wrapping on purpose: the register's integer plus the counter's net is exact modulo 2^64, and equals the true
        // value whenever that is in range, however far the per-replica totals travelled (see CausalCounter).
        return Optional.of(Bytes.ofUtf8(Long.toString(base + counter.value())));
    }

    /**
     * The value as a 64-bit integer (0 when absent), or null when it is not one. Register plus counter is computed
     * modulo 2^64: the writer range-checks each increment against the value it reads, and only increments made
     * concurrently in several regions can carry the joined value out of range, where it wraps (see CausalCounter).
     */
    Long integerValue() {
        Optional<Bytes> value = value();
        return value.isEmpty() ? Long.valueOf(0) : parseInteger(value.get());
    }

    /** Parses a Redis integer: optional minus, decimal digits, no leading zeros or plus sign, fits 64 bits. */
    static Long parseInteger(Bytes bytes) {
        String text = new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1);
        if (text.isEmpty() || text.length() > 20 || text.startsWith("+")
                || (text.length() > 1 && (text.startsWith("0") || text.startsWith("-0")))) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** For inspection: the surviving register writes (several when concurrent). */
    public MvRegister<Bytes> register() {
        return register;
    }

    /** For inspection: the surviving counter entries per replica. */
    public CausalCounter counter() {
        return counter;
    }

    @Override
    public CausalContext context() {
        return context;
    }

    @Override
    public boolean isPartial() {
        return partial;
    }

    @Override
    public boolean isBottom() {
        return register.isBottom() && counter.isBottom();
    }

    @Override
    public void joinStore(StringValue other, CausalContext thisContext, CausalContext otherContext) {
        register.joinStore(other.register, thisContext, otherContext);
        counter.joinStore(other.counter, thisContext, otherContext);
        partial = partial && other.partial;
    }

    @Override
    public void collectDots(CausalContext into) {
        register.collectDots(into);
        counter.collectDots(into);
    }

    @Override
    public StringValue copyWith(CausalContext sharedContext) {
        return new StringValue(register.copyWith(sharedContext), counter.copyWith(sharedContext), sharedContext, partial);
    }

    @Override
    public StringValue merge(StringValue other) {
        if (other != this) {
            joinStore(other, context, other.context);
            context.merge(other.context);
        }
        return this;
    }

    @Override
    public StringValue copy() {
        return copyWith(context.copy());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StringValue other && partial == other.partial && register.equals(other.register)
                && counter.equals(other.counter);
    }

    @Override
    public int hashCode() {
        return 31 * register.hashCode() + counter.hashCode();
    }

    @Override
    public String toString() {
        return "StringValue" + value().map(Bytes::toString).orElse("(none)");
    }

    /** The type descriptor: strings nest in the keyspace and as hash fields. */
    public static CausalType<StringValue> type() {
        return TYPE;
    }

    private static final CausalType<StringValue> TYPE = new CausalType<>() {
        @Override
        public CrdtType crdtType() {
            return CrdtType.KEYSPACE_STRING;
        }

        @Override
        public StringValue empty(CausalContext sharedContext) {
            return StringValue.empty(sharedContext);
        }

        @Override
        public StringValue emptyDelta(CausalContext sharedContext) {
            return new StringValue(REGISTER.emptyDelta(sharedContext), COUNTER.emptyDelta(sharedContext),
                    sharedContext, true);
        }

        @Override
        public void writeStore(ByteWriter out, StringValue value) {
            Composite.writeNested(out, REGISTER, value.register);
            Composite.writeNested(out, COUNTER, value.counter);
        }

        @Override
        public StringValue readStore(ByteReader in, CausalContext context, boolean partial, int depth)
                throws CodecException {
            MvRegister<Bytes> register = Composite.readNested(in, REGISTER, context, depth);
            CausalCounter counter = Composite.readNested(in, COUNTER, context, depth);
            return new StringValue(register, counter, context, partial);
        }
    };
}
