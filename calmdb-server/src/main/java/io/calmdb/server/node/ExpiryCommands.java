package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.Keyspace.ExpiryCondition;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Reply;
import java.util.Locale;
import java.util.Optional;

/**
 * The handlers of the key-expiry commands ({@code EXPIRE} and its variants, {@code TTL} and its variants,
 * {@code PERSIST}, {@code SET} with its expiry options, {@code SETEX}, {@code PSETEX}, {@code GETEX}). Each parses its
 * arguments in Redis 7.0's order and with its exact error lines, then runs one {@link Keyspace} operation, which
 * judges and records the deadline as replicated state (see docs/resp.md, "Key expiry").
 *
 * <p>Deadlines are absolute milliseconds since the epoch computed from the task's {@code now}; the keyspace compares
 * them with the time of the current task, so every region hides a key once its own clock passes the deadline.
 */
final class ExpiryCommands {
    private ExpiryCommands() {}

    /** {@code EXPIRE}-family time units and bases. */
    private enum Unit {
        SECONDS, MILLISECONDS
    }

    // ------------------------------------------------------------------------------------------------------
    // EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT

    static Reply expire(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return expireGeneric(keyspace, commits, now, command, Unit.SECONDS, now);
    }

    static Reply pexpire(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return expireGeneric(keyspace, commits, now, command, Unit.MILLISECONDS, now);
    }

    static Reply expireAt(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return expireGeneric(keyspace, commits, now, command, Unit.SECONDS, 0);
    }

    static Reply pexpireAt(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return expireGeneric(keyspace, commits, now, command, Unit.MILLISECONDS, 0);
    }

    /** Redis's {@code expireGenericCommand}: options, then the time, then the key's condition, then the write. */
    private static Reply expireGeneric(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command,
                                       Unit unit, long baseMillis) throws KeyspaceException {
        ExpiryCondition condition = expireCondition(command);
        long when = KeyspaceCommands.integer(command, 2);
        if (unit == Unit.SECONDS) {
            if (when > Long.MAX_VALUE / 1000 || when < Long.MIN_VALUE / 1000) {
                throw invalidExpireTime(command);
            }
            when *= 1000;
        }
        if (when > Long.MAX_VALUE - baseMillis) {
            throw invalidExpireTime(command);
        }
        when += baseMillis;
        return Reply.integer(commits.commit(keyspace.expire(key(command), when, condition, now)) ? 1 : 0);
    }

    private static ExpiryCondition expireCondition(Command command) throws KeyspaceException {
        boolean nx = false;
        boolean xx = false;
        boolean gt = false;
        boolean lt = false;
        for (int i = 3; i < command.argumentCount(); i++) {
            switch (command.argumentString(i).toUpperCase(Locale.ROOT)) {
                case "NX" -> nx = true;
                case "XX" -> xx = true;
                case "GT" -> gt = true;
                case "LT" -> lt = true;
                default -> throw new KeyspaceException("ERR Unsupported option " + command.argumentString(i));
            }
        }
        if (nx && (xx || gt || lt)) {
            throw new KeyspaceException("ERR NX and XX, GT or LT options at the same time are not compatible");
        }
        if (gt && lt) {
            throw new KeyspaceException("ERR GT and LT options at the same time are not compatible");
        }
        // XX may join GT or LT; GT already requires a deadline, LT alone accepts a key without one.
        if (xx && lt) {
            return ExpiryCondition.XX_LT;
        }
        return nx ? ExpiryCondition.NX : gt ? ExpiryCondition.GT : lt ? ExpiryCondition.LT
                : xx ? ExpiryCondition.XX : ExpiryCondition.ALWAYS;
    }

    // ------------------------------------------------------------------------------------------------------
    // TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST

    static Reply ttl(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        long left = keyspace.timeToLiveMillis(key(command));
        return Reply.integer(left < 0 ? left : roundedSeconds(left));
    }

    static Reply pttl(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        return Reply.integer(keyspace.timeToLiveMillis(key(command)));
    }

    static Reply expireTime(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        return Reply.integer(absolute(keyspace, key(command), true));
    }

    static Reply pexpireTime(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        return Reply.integer(absolute(keyspace, key(command), false));
    }

    private static long absolute(Keyspace keyspace, Bytes key, boolean seconds) {
        long left = keyspace.timeToLiveMillis(key);
        if (left < 0) {
            return left;
        }
        long deadline = Math.max(0, keyspace.deadline(key));
        return seconds ? roundedSeconds(deadline) : deadline;
    }

    /** Milliseconds to seconds rounded half up, as Redis's {@code (ttl+500)/1000} (without its overflow). */
    private static long roundedSeconds(long millis) {
        return millis / 1000 + (millis % 1000 >= 500 ? 1 : 0);
    }

    static Reply persist(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command) {
        return Reply.integer(commits.commit(keyspace.persist(key(command), now)) ? 1 : 0);
    }

    // ------------------------------------------------------------------------------------------------------
    // SET, SETEX, PSETEX, GETEX

    /** The expiry options of {@code SET} and {@code GETEX} as parsed: at most one of them. */
    static final class StringOptions {
        boolean nx;
        boolean xx;
        boolean get;
        boolean keepTtl;
        boolean persist;
        /** EX, PX, EXAT or PXAT, or null. */
        String expiryOption;
        int expiryArgument = -1;
    }

    /**
     * Redis's {@code parseExtendedStringArgumentsOrReply}: an option that conflicts with one already given, or one
     * the command does not take, is a syntax error; a repeated option takes its last value.
     */
    static StringOptions stringOptions(Command command, int from, boolean forSet) throws KeyspaceException {
        StringOptions options = new StringOptions();
        for (int i = from; i < command.argumentCount(); i++) {
            String option = command.argumentString(i).toUpperCase(Locale.ROOT);
            boolean hasNext = i + 1 < command.argumentCount();
            boolean timed = options.expiryOption != null;
            switch (option) {
                case "NX" -> {
                    if (!forSet || options.xx) {
                        throw new KeyspaceException(CommandErrors.SYNTAX);
                    }
                    options.nx = true;
                }
                case "XX" -> {
                    if (!forSet || options.nx) {
                        throw new KeyspaceException(CommandErrors.SYNTAX);
                    }
                    options.xx = true;
                }
                case "GET" -> {
                    if (!forSet) {
                        throw new KeyspaceException(CommandErrors.SYNTAX);
                    }
                    options.get = true;
                }
                case "KEEPTTL" -> {
                    if (!forSet || timed) {
                        throw new KeyspaceException(CommandErrors.SYNTAX);
                    }
                    options.keepTtl = true;
                }
                case "PERSIST" -> {
                    if (forSet || timed) {
                        throw new KeyspaceException(CommandErrors.SYNTAX);
                    }
                    options.persist = true;
                }
                case "EX", "PX", "EXAT", "PXAT" -> {
                    if (options.keepTtl || options.persist || !hasNext
                            || (timed && !options.expiryOption.equals(option))) {
                        throw new KeyspaceException(CommandErrors.SYNTAX);
                    }
                    options.expiryOption = option;
                    options.expiryArgument = ++i;
                }
                default -> throw new KeyspaceException(CommandErrors.SYNTAX);
            }
        }
        return options;
    }

    /**
     * Redis's {@code getExpireMillisecondsOrReply}: the deadline in milliseconds since the epoch for
     * {@code option} (EX, PX, EXAT, PXAT) with the integer at {@code index}; zero, negative and overflowing times are
     * {@code ERR invalid expire time in '<command>' command}.
     */
    static long deadline(Command command, String option, int index, long now) throws KeyspaceException {
        long value = KeyspaceCommands.integer(command, index);
        boolean seconds = option.equals("EX") || option.equals("EXAT");
        if (value <= 0 || (seconds && value > Long.MAX_VALUE / 1000)) {
            throw invalidExpireTime(command);
        }
        if (seconds) {
            value *= 1000;
        }
        if (option.equals("EX") || option.equals("PX")) {
            try {
                value = Math.addExact(value, now);
            } catch (ArithmeticException overflow) {
                throw invalidExpireTime(command);
            }
        }
        return value;
    }

    /**
     * {@code SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]}. {@code NX} is refused as before (it needs
     * global absence); {@code XX} is decided on this replica's state.
     */
    static Reply set(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        StringOptions options = stringOptions(command, 3, true);
        if (options.nx) {
            throw new KeyspaceException(String.format(KeyspaceCommands.GLOBAL_ABSENCE_REFUSED, "SET ... NX"));
        }
        Long deadline = options.expiryOption == null ? null
                : deadline(command, options.expiryOption, options.expiryArgument, now);
        Keyspace.SetOutcome outcome = commits.commit(keyspace.setString(key(command), Bytes.copyOf(command.argument(2)),
                deadline, options.keepTtl, options.xx, options.get, now));
        if (options.get) {
            return bulkOrNil(outcome.previous());
        }
        return outcome.written() ? Reply.ok() : Reply.nil();
    }

    /** {@code SETEX key seconds value}. */
    static Reply setWithSeconds(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long deadline = deadline(command, "EX", 2, now);
        commits.commit(keyspace.setString(key(command), Bytes.copyOf(command.argument(3)), deadline, false, false,
                false, now));
        return Reply.ok();
    }

    /** {@code PSETEX key milliseconds value}. */
    static Reply setWithMilliseconds(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long deadline = deadline(command, "PX", 2, now);
        commits.commit(keyspace.setString(key(command), Bytes.copyOf(command.argument(3)), deadline, false, false,
                false, now));
        return Reply.ok();
    }

    /**
     * {@code GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]}: as Redis 7.0, an absent key answers nil and a key of
     * another type {@code WRONGTYPE} before the time is checked.
     */
    static Reply getAndExpire(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        StringOptions options = stringOptions(command, 2, false);
        Bytes key = key(command);
        Optional<Bytes> value = keyspace.get(key);
        if (value.isEmpty()) {
            return Reply.nil();
        }
        Long deadline = options.expiryOption == null ? null
                : deadline(command, options.expiryOption, options.expiryArgument, now);
        return bulkOrNil(commits.commit(keyspace.getAndExpire(key, deadline, options.persist, now)));
    }

    // ------------------------------------------------------------------------------------------------------

    private static KeyspaceException invalidExpireTime(Command command) {
        return new KeyspaceException("ERR invalid expire time in '" + command.name() + "' command");
    }

    private static Bytes key(Command command) {
        return Bytes.copyOf(command.argument(1));
    }

    private static Reply bulkOrNil(Optional<Bytes> value) {
        return value.map(v -> Reply.bulk(v.toByteArray())).orElse(Reply.nil());
    }
}
