package io.calmdb.server.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How a reply is reduced before the two servers' replies are compared. Most replies compare exactly. A reply whose
 * order Redis does not define (SMEMBERS, HGETALL, KEYS, SINTER, a SCAN page, ...) compares sorted. A reply that is
 * random or depends on the clock compares only what is deterministic:
 * <ul>
 *   <li>a TTL ({@code TTL}, {@code PTTL}, {@code EXPIRETIME}, {@code PEXPIRETIME}) by its sign, -1 and -2 exactly,
 *       because the two servers read their clocks a moment apart; an absolute time past year 2096 (only set by
 *       an explicit {@code EXPIREAT}) compares exactly;</li>
 *   <li>{@code RANDOMKEY}, {@code SRANDMEMBER}/{@code HRANDFIELD} without a count or with a negative count by shape
 *       (nil or a value, how many values), since the choice is random; with a positive count the tests use one
 *       at least the set's size, so every member is returned and the reply compares sorted;</li>
 *   <li>a {@code SCAN}, {@code SSCAN} or {@code HSCAN} from a cursor other than 0 by shape: the tests never hold
 *       a cursor the server returned (every scan fits one page), and Redis documents a cursor it did not return as
 *       undefined behaviour; its reply to one depends on its random hash seed;</li>
 *   <li>{@code TIME}, {@code INFO}, {@code DEBUG}, {@code CLIENT}, {@code MEMORY}, {@code HELLO}, {@code COMMAND},
 *       {@code OBJECT IDLETIME|FREQ}: by shape, because they report the server itself (clock, memory, connection
 *       ids, idle times) rather than the data.</li>
 * </ul>
 * {@code SPOP} compares sorted: the tests pop a set's only member or pop with a count at least the set's size,
 * where the reply is deterministic; popping a random member would leave the two servers with different sets.
 */
final class ReplyRules {
    private static final Set<String> UNORDERED_ARRAYS = Set.of("SMEMBERS", "SINTER", "SUNION", "SDIFF", "KEYS",
            "HKEYS", "HVALS", "SPOP");
    private static final Set<String> UNORDERED_PAIRS = Set.of("HGETALL");
    private static final Set<String> SCANS = Set.of("SCAN", "SSCAN", "HSCAN");
    private static final Set<String> TIMES = Set.of("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME");
    private static final Set<String> SHAPE_ONLY = Set.of("RANDOMKEY", "TIME", "INFO", "DEBUG", "CLIENT", "MEMORY",
            "HELLO", "COMMAND");
    /** Year 2096 in seconds: an absolute expiry at or past it was set explicitly and compares exactly. */
    static final long FIXED_EXPIRY_SECONDS_MIN = 4_000_000_000L;

    private ReplyRules() {}

    /** The reply reduced for comparison; errors always compare exactly. */
    static RespValue normalize(List<String> command, RespValue reply) {
        if (reply instanceof RespValue.Error || command.isEmpty()) {
            return reply;
        }
        String name = command.get(0).toUpperCase(Locale.ROOT);
        if (UNORDERED_ARRAYS.contains(name)) {
            return sorted(reply, 1);
        }
        if (UNORDERED_PAIRS.contains(name)) {
            return sorted(reply, 2);
        }
        int cursorIndex = name.equals("SCAN") ? 1 : 2;
        if (SCANS.contains(name) && command.size() > cursorIndex && !command.get(cursorIndex).equals("0")) {
            return shape(reply);
        }
        if (SCANS.contains(name) && reply instanceof RespValue.Array page && page.elements() != null
                && page.elements().size() == 2) {
            int group = name.equals("HSCAN") ? 2 : 1;
            return new RespValue.Normalized("[" + page.elements().get(0).render() + ", "
                    + sorted(page.elements().get(1), group).render() + "]");
        }
        if (TIMES.contains(name) && reply instanceof RespValue.Integer time && time.value() > 0) {
            long fixedMin = name.startsWith("P") ? FIXED_EXPIRY_SECONDS_MIN * 1000 : FIXED_EXPIRY_SECONDS_MIN;
            boolean absolute = name.endsWith("EXPIRETIME");
            return absolute && time.value() >= fixedMin ? reply : new RespValue.Normalized(":positive");
        }
        if (name.equals("SRANDMEMBER") || name.equals("HRANDFIELD")) {
            boolean positiveCount = command.size() >= 3 && !command.get(2).startsWith("-");
            boolean withValues = command.size() >= 4 && command.get(3).equalsIgnoreCase("WITHVALUES");
            return positiveCount ? sorted(reply, withValues ? 2 : 1) : shape(reply);
        }
        if (name.equals("OBJECT") && command.size() >= 2
                && !command.get(1).equalsIgnoreCase("ENCODING")) {
            return shape(reply);
        }
        if (SHAPE_ONLY.contains(name)) {
            return shape(reply);
        }
        return reply;
    }

    private static RespValue shape(RespValue reply) {
        return new RespValue.Normalized("<" + reply.shape() + ">");
    }

    /** An array compared as a multiset of groups of {@code group} consecutive elements (2 for field-value pairs). */
    private static RespValue sorted(RespValue reply, int group) {
        if (!(reply instanceof RespValue.Array array) || array.elements() == null) {
            return reply;
        }
        List<RespValue> elements = array.elements();
        if (group == 1) {
            return new RespValue.Normalized(RespValue.renderAll(elements, true));
        }
        List<RespValue> pairs = new ArrayList<>();
        for (int index = 0; index + group <= elements.size(); index += group) {
            pairs.add(new RespValue.Normalized(RespValue.renderAll(elements.subList(index, index + group), false)));
        }
        String odd = elements.size() % group == 0 ? "" : " +odd " + elements.size();
        return new RespValue.Normalized(RespValue.renderAll(pairs, true) + odd);
    }
}
