package io.calmdb.replication.keyspace;

import io.calmdb.crdt.ByteReader;
import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CausalContext;
import io.calmdb.crdt.CausalCounter;
import io.calmdb.crdt.CausalDecimalCounter;
import io.calmdb.crdt.CausalType;
import io.calmdb.crdt.CausalValue;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Crdt;
import io.calmdb.crdt.CrdtType;
import io.calmdb.crdt.HlcTimestamp;
import io.calmdb.crdt.MvRegister;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.crdt.ValueCodec;
import java.math.BigDecimal;
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
 *
 * <p>A third slot holds the exact decimal sums of {@code INCRBYFLOAT}, one per replica
 * ({@link CausalDecimalCounter}), so float increments made concurrently in two regions add up. When it holds
 * entries, the value is the register's number plus the integer counter plus the decimal sums, printed as Redis prints
 * a float result (see {@link LongDouble#human}); a register holding text still wins. {@code SET} resets it too.
 *
 * <p>Encoding: the register, then the counter; the decimal slot follows only when it holds entries, announced by bit
 * 1 of the counter's flag byte. A string that never saw {@code INCRBYFLOAT} encodes exactly as before the slot
 * existed, and older encodings read unchanged.
 */
public final class StringValue implements Crdt<StringValue>, CausalValue<StringValue> {
    private static final CausalType<MvRegister<Bytes>> REGISTER = MvRegister.type(ValueCodec.BYTES);
    private static final CausalType<CausalCounter> COUNTER = CausalCounter.type();
    private static final CausalType<CausalDecimalCounter> DECIMALS = CausalDecimalCounter.type();
    /** Bit of the counter's flag byte saying the decimal slot follows the counter. */
    private static final int DECIMALS_FOLLOW = 2;

    private final MvRegister<Bytes> register;
    private final CausalCounter counter;
    private final CausalDecimalCounter decimals;
    private final CausalContext context;
    private boolean partial;

    private StringValue(MvRegister<Bytes> register, CausalCounter counter, CausalDecimalCounter decimals,
                        CausalContext context, boolean partial) {
        this.register = register;
        this.counter = counter;
        this.decimals = decimals;
        this.context = context;
        this.partial = partial;
    }

    static StringValue empty(CausalContext context) {
        return new StringValue(REGISTER.empty(context), COUNTER.empty(context), DECIMALS.empty(context), context,
                false);
    }

    /** Combines nested deltas, each with its own fresh context, into one delta over the union of their contexts. */
    private static StringValue delta(MvRegister<Bytes> registerDelta, CausalCounter counterDelta,
                                     CausalDecimalCounter decimalsDelta) {
        CausalContext context = new CausalContext();
        context.merge(registerDelta.context()).merge(counterDelta.context()).merge(decimalsDelta.context());
        return new StringValue(registerDelta.copyWith(context), counterDelta.copyWith(context),
                decimalsDelta.copyWith(context), context, true);
    }

    private static StringValue delta(MvRegister<Bytes> registerDelta, CausalCounter counterDelta) {
        return delta(registerDelta, counterDelta, DECIMALS.emptyDelta(new CausalContext()));
    }

    /** Sets the value at {@code replica}, resetting observed increments (integer and decimal); returns the delta. */
    StringValue set(ReplicaId replica, Bytes value, HlcTimestamp timestamp) {
        MvRegister<Bytes> registerDelta = register.write(replica, value, timestamp);
        CausalCounter counterDelta = counter.reset();
        if (decimals.isBottom()) {
            return delta(registerDelta, counterDelta);
        }
        return delta(registerDelta, counterDelta, decimals.reset());
    }

    /** Adds the exact decimal {@code amount} (non-zero) at {@code replica}; returns the delta. */
    StringValue incrementByDecimal(ReplicaId replica, BigDecimal amount) {
        return delta(REGISTER.emptyDelta(new CausalContext()), COUNTER.emptyDelta(new CausalContext()),
                decimals.add(replica, amount));
    }

    /**
     * The exact number this string holds when it is one a float command can read: null when the register holds
     * text (or nothing survives, which reads as 0 only to the caller's choice). The register's text is read as an
     * exact decimal when it is one, else as Redis's {@code strtold} reads it (hexadecimal forms).
     */
    BigDecimal exactNumber() {
        Optional<Bytes> written = register.lastWriterValue();
        BigDecimal base = BigDecimal.ZERO;
        if (written.isPresent()) {
            base = exactDecimal(new String(written.get().toByteArray(), StandardCharsets.ISO_8859_1));
            if (base == null) {
                return null;
            }
        }
        Long integerBase = written.isPresent() ? parseInteger(written.get()) : Long.valueOf(0);
        if (integerBase != null) {
            // Register plus counter modulo 2^64, as value() reads an integer string: the counter's net may have left
            // the 64-bit range while the sum did not (SET k 7, INCRBY k -9223372036854775808, DECR k, DECR k), and
            // adding the wrapped net exactly would be 2^64 off.
            return BigDecimal.valueOf(integerBase + counter.value()).add(decimals.value());
        }
        return base.add(BigDecimal.valueOf(counter.value())).add(decimals.value());
    }

    /** {@code text} as an exact decimal when Redis would read it as a finite float, else null. */
    static BigDecimal exactDecimal(String text) {
        LongDouble parsed = LongDouble.parse(text);
        if (parsed == null || !parsed.isFinite()) {
            return null;
        }
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException notPlainDecimal) {
            return parsed.exact();
        }
    }

    /**
     * Adds {@code amount} (non-zero) at {@code replica}; the caller has checked the value is an integer. On a string
     * whose decimal slot holds entries the amount goes there, exactly: the integer counter is only known modulo
     * 2^64, which is exact when the counter's own net is in range, but next to decimal sums the net may leave the
     * range while the value stays in it ({@code INCRBY k -9223372036854775808}, {@code INCRBYFLOAT k 1},
     * {@code DECR k} read 9223372036854775808 instead of -9223372036854775808).
     */
    StringValue incrementBy(ReplicaId replica, long amount) {
        if (!decimals.isBottom()) {
            return incrementByDecimal(replica, BigDecimal.valueOf(amount));
        }
        CausalCounter counterDelta = amount > 0 ? counter.increment(replica, amount)
                : counter.decrement(replica, amount == Long.MIN_VALUE ? Long.MIN_VALUE : -amount);
        return delta(REGISTER.emptyDelta(new CausalContext()), counterDelta);
    }

    /** Removes the register writes and counter entries this replica has observed; returns the delta. */
    StringValue clearAll() {
        return delta(register.clear(), counter.reset(), decimals.reset());
    }

    /** The current value, or empty when nothing survives. */
    public Optional<Bytes> value() {
        Optional<Bytes> written = register.lastWriterValue();
        if (!decimals.isBottom()) {
            BigDecimal number = exactNumber();
            return number == null ? written : Optional.of(Bytes.ofUtf8(LongDouble.human(number)));
        }
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
        return register.isBottom() && counter.isBottom() && decimals.isBottom();
    }

    @Override
    public void joinStore(StringValue other, CausalContext thisContext, CausalContext otherContext) {
        register.joinStore(other.register, thisContext, otherContext);
        counter.joinStore(other.counter, thisContext, otherContext);
        decimals.joinStore(other.decimals, thisContext, otherContext);
        partial = partial && other.partial;
    }

    @Override
    public void collectDots(CausalContext into) {
        register.collectDots(into);
        counter.collectDots(into);
        decimals.collectDots(into);
    }

    @Override
    public StringValue copyWith(CausalContext sharedContext) {
        return new StringValue(register.copyWith(sharedContext), counter.copyWith(sharedContext),
                decimals.copyWith(sharedContext), sharedContext, partial);
    }

    /** For inspection: the surviving decimal sums per replica ({@code INCRBYFLOAT}). */
    public CausalDecimalCounter decimals() {
        return decimals;
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
        // The decimal slot compares by entries: an empty one is not encoded, so its partial flag does not survive.
        return o instanceof StringValue other && partial == other.partial && register.equals(other.register)
                && counter.equals(other.counter) && decimals.sameEntries(other.decimals);
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
                    DECIMALS.emptyDelta(sharedContext), sharedContext, true);
        }

        @Override
        public void writeStore(ByteWriter out, StringValue value) {
            Composite.writeNested(out, REGISTER, value.register);
            boolean decimalsFollow = !value.decimals.isBottom();
            out.writeByte((value.counter.isPartial() ? 1 : 0) | (decimalsFollow ? DECIMALS_FOLLOW : 0));
            COUNTER.writeStore(out, value.counter);
            if (decimalsFollow) {
                Composite.writeNested(out, DECIMALS, value.decimals);
            }
        }

        @Override
        public StringValue readStore(ByteReader in, CausalContext context, boolean partial, int depth)
                throws CodecException {
            MvRegister<Bytes> register = Composite.readNested(in, REGISTER, context, depth);
            int at = in.position();
            int flag = in.readByte();
            if ((flag & ~(1 | DECIMALS_FOLLOW)) != 0) {
                throw in.fail("invalid counter flag " + flag, at);
            }
            CausalCounter counter = COUNTER.readStore(in, context, (flag & 1) == 1, depth + 1);
            CausalDecimalCounter decimals = (flag & DECIMALS_FOLLOW) != 0
                    ? Composite.readNested(in, DECIMALS, context, depth)
                    : (partial ? DECIMALS.emptyDelta(context) : DECIMALS.empty(context));
            if ((flag & DECIMALS_FOLLOW) != 0 && decimals.isBottom()) {
                throw in.fail("a decimal slot announced but empty (not canonical)", at);
            }
            return new StringValue(register, counter, decimals, context, partial);
        }
    };
}
