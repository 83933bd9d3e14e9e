package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.keyspace.GlobPattern;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.replication.keyspace.Kind;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Reply;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;

/**
 * The arguments of {@code SCAN}, {@code SSCAN} and {@code HSCAN} ({@code cursor [MATCH pattern] [COUNT count]
 * [TYPE type]}), parsed with Redis 7.0's rules so every scan refuses the same input with the same words: the cursor
 * is read as C's {@code strtoul} reads it ({@code -1} is 2^64 - 1, {@code +1} and {@code 00} are cursors, anything
 * else or more than 64 bits is {@code ERR invalid cursor}); {@code COUNT} must be an integer ({@code ERR value is not
 * an integer or out of range}) of at least 1 ({@code ERR syntax error}); {@code TYPE} (SCAN only) naming a type
 * CalmDB does not have, or no type at all, matches no key, as Redis 7.0 answers an empty batch for it.
 *
 * @param cursor the cursor, an unsigned 64-bit number
 * @param match the MATCH pattern, or null for every key
 * @param count the COUNT hint, at least 1
 * @param typeFilter whether a TYPE option was given
 * @param type the kind TYPE names, or null when it names none CalmDB has (then nothing matches)
 */
record ScanArguments(long cursor, GlobPattern match, int count, boolean typeFilter, Kind type) {
    static final String INVALID_CURSOR = "ERR invalid cursor";

    /** Parses {@code command} from the cursor at {@code cursorIndex}; {@code allowType} only for SCAN. */
    static ScanArguments parse(Command command, int cursorIndex, boolean allowType) throws KeyspaceException {
        long cursor = cursor(command.argumentString(cursorIndex));
        GlobPattern match = null;
        int count = KeyspaceCommands.SCAN_COUNT_DEFAULT;
        boolean typeFilter = false;
        Kind type = null;
        for (int i = cursorIndex + 1; i < command.argumentCount(); i++) {
            String option = command.argumentString(i).toUpperCase(Locale.ROOT);
            if (i + 1 >= command.argumentCount()) {
                throw new KeyspaceException(CommandErrors.SYNTAX);
            }
            switch (option) {
                case "MATCH" -> match = GlobPattern.of(command.argument(++i));
                case "COUNT" -> {
                    long requested = KeyspaceCommands.integer(command, ++i);
                    if (requested < 1) {
                        throw new KeyspaceException(CommandErrors.SYNTAX);
                    }
                    count = (int) Math.min(requested, Integer.MAX_VALUE);
                }
                case "TYPE" -> {
                    if (!allowType) {
                        throw new KeyspaceException(CommandErrors.SYNTAX);
                    }
                    String name = command.argumentString(++i);
                    typeFilter = true;
                    type = null;
                    for (Kind kind : Kind.values()) {
                        if (kind.redisName().equalsIgnoreCase(name)) {
                            type = kind;
                        }
                    }
                }
                default -> throw new KeyspaceException(CommandErrors.SYNTAX);
            }
        }
        return new ScanArguments(cursor, match, count, typeFilter, type);
    }

    /** The reply to a scan of an absent key: cursor 0 and no items. */
    static Reply emptyPage() {
        return Reply.array(Reply.bulk("0"), Reply.array(java.util.List.of()));
    }

    /** Whether a key of kind {@code kind} passes the TYPE filter. */
    boolean typeMatches(Kind kind) {
        return !typeFilter || (type != null && kind == type);
    }

    /** Whether {@code member} passes the MATCH filter. */
    boolean matches(byte[] member) {
        return match == null || match.matches(member);
    }

    /** One batch of a scan: the next cursor ("0" when done) and the items that passed MATCH. */
    record Page(String cursor, List<Bytes> items) {}

    /**
     * The next batch of {@code items} (members or fields) after the cursor, ordered by
     * {@link KeyspaceCommands#scanHash} as SCAN orders keys: the {@code count} smallest hashes above the cursor, ties
     * included, filtered by MATCH. One pass over the items per call.
     */
    Page page(Collection<Bytes> items) {
        PriorityQueue<Long> smallest = new PriorityQueue<>((a, b) -> Long.compareUnsigned(b, a));
        for (Bytes item : items) {
            long hash = KeyspaceCommands.scanHash(item);
            if (Long.compareUnsigned(hash, cursor) <= 0) {
                continue;
            }
            if (smallest.size() < count) {
                smallest.add(hash);
            } else if (Long.compareUnsigned(hash, smallest.peek()) < 0) {
                smallest.poll();
                smallest.add(hash);
            }
        }
        boolean finished = smallest.size() < count;
        long last = smallest.isEmpty() ? 0 : smallest.peek();
        List<Bytes> batch = new ArrayList<>();
        for (Bytes item : items) {
            long hash = KeyspaceCommands.scanHash(item);
            if (Long.compareUnsigned(hash, cursor) > 0 && Long.compareUnsigned(hash, last) <= 0
                    && matches(item.toByteArray())) {
                batch.add(item);
            }
        }
        return new Page(finished ? "0" : Long.toUnsignedString(last), batch);
    }

    /** A cursor read as {@code strtoul(text, &end, 10)} with Redis's checks (no leading space, no trailing text). */
    static long cursor(String text) throws KeyspaceException {
        int at = 0;
        boolean negative = false;
        if (!text.isEmpty() && (text.charAt(0) == '+' || text.charAt(0) == '-')) {
            negative = text.charAt(0) == '-';
            at = 1;
        }
        if (at == text.length()) {
            if (text.isEmpty()) {
                return 0; // strtoul("") reads nothing and stops at the terminator, which Redis accepts as 0
            }
            throw new KeyspaceException(INVALID_CURSOR);
        }
        long value = 0;
        for (int i = at; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new KeyspaceException(INVALID_CURSOR);
            }
            int digit = c - '0';
            // Unsigned overflow check: value * 10 + digit must stay below 2^64.
            if (Long.compareUnsigned(value, Long.divideUnsigned(-1L - digit, 10)) > 0) {
                throw new KeyspaceException(INVALID_CURSOR);
            }
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }
}
