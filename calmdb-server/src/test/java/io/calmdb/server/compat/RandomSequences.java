package io.calmdb.server.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Seeded random command sequences over a small key space (three string keys, three set keys, three hash keys), with
 * every supported command family and both valid and invalid arguments: wrong types (a key of another family is picked
 * now and then), non-integers, overflowing numbers, bad options and wrong arities. Nine keys keep every {@code SCAN}
 * one page on both servers. Commands whose effect is random ({@code SPOP} of one member out of many) are generated
 * only in their deterministic forms, and expiries are either immediate (zero or negative) or long (never reached
 * while the test runs), so both servers hold the same data after every command. The refusals in
 * {@link KnownDifferences} ({@code SETNX}, {@code SET NX}, ...) are left to the hand-written cases, since Redis's
 * write would leave the two servers with different data.
 */
final class RandomSequences {
    private static final String[] STRING_KEYS = {"str0", "str1", "str2"};
    private static final String[] SET_KEYS = {"set0", "set1", "set2"};
    private static final String[] HASH_KEYS = {"hash0", "hash1", "hash2"};
    private static final String[] VALUES = {"0", "1", "-1", "7", "10", "abc", "", "3.5", "-0.25", "1e3", " 1", "+1",
        "0x10", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "hello world", "\u00e9t\u00e9",
        "1.7976931348623157e308", "inf", "nan", "00", "-0"};
    private static final String[] INTEGERS = {"0", "1", "-1", "2", "5", "100", "-100", "abc", "1.5", "",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "3 "};
    private static final String[] FLOATS = {"0", "1", "-1", "2.5", "-0.1", "1e2", "abc", "inf", "-inf", "nan", "",
        "1e308", "5.0e3", "0x10", "1.23456789012345678"};
    private static final String[] MEMBERS = {"m0", "m1", "m2", "m3", "m4", "1", "2"};
    private static final String[] FIELDS = {"f0", "f1", "f2", "f3"};
    private static final String[] PATTERNS = {"*", "str*", "s*", "*[01]", "h?sh*", "nomatch*", "set?", "\\*"};
    private static final String[] TYPES = {"string", "set", "hash", "list", "nosuch", "STRING"};
    private static final String[] SCRIPTS = {
        "return redis.call('GET', KEYS[1])",
        "return redis.call('INCR', KEYS[1])",
        "return redis.pcall('SADD', KEYS[1], ARGV[1])",
        "return redis.call('HSET', KEYS[1], 'f0', ARGV[1])",
        "return {1, 2, 'three', false, true, 3.99}",
        "return redis.call('EXISTS', KEYS[1]) + 1",
        "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('STRLEN', KEYS[1])",
        "return redis.pcall('INCRBY', KEYS[1], ARGV[1])",
        "local t = redis.call('SMEMBERS', KEYS[1]); table.sort(t); return t",
        "return redis.status_reply('FINE')",
        "return redis.error_reply('MY custom')",
        "return tonumber(ARGV[1])",
    };

    /** An empty option slot: the word is left out of the command. */
    private static final String NONE = "\u0001";

    private final Random random;

    private RandomSequences(Random random) {
        this.random = random;
    }

    /** {@code count} commands from the seeded generator (a transaction counts as its commands). */
    static List<CompatCase.Step> generate(long seed, int count) {
        RandomSequences generator = new RandomSequences(new Random(seed));
        List<CompatCase.Step> steps = new ArrayList<>();
        while (steps.size() < count) {
            for (List<String> command : generator.next()) {
                steps.add(CompatCase.step("seed " + seed + " step " + (steps.size() + 1),
                        command.toArray(String[]::new)));
            }
        }
        return steps;
    }

    private List<List<String>> next() {
        int roll = random.nextInt(100);
        if (roll < 4) {
            return transaction();
        }
        List<String> command = words(single());
        int mangle = random.nextInt(100);
        // SPOP without its count would pop a random member, after which the two servers hold different sets.
        if (mangle < 3 && command.size() > 1 && !command.get(0).equals("SPOP")) {
            command.remove(command.size() - 1);
        } else if (mangle < 6) {
            command.add(pick(VALUES));
        }
        return List.of(command);
    }

    private List<List<String>> transaction() {
        List<List<String>> commands = new ArrayList<>();
        if (random.nextBoolean()) {
            commands.add(List.of("WATCH", anyKey()));
            if (random.nextBoolean()) {
                commands.add(words(single()));
            }
        }
        commands.add(List.of("MULTI"));
        int queued = 1 + random.nextInt(4);
        for (int index = 0; index < queued; index++) {
            commands.add(words(single()));
        }
        commands.add(List.of(random.nextInt(5) == 0 ? "DISCARD" : "EXEC"));
        return commands;
    }

    /** One command, its arguments joined by NUL (no generated argument holds one). */
    private String single() {
        List<Function<RandomSequences, String>> families = List.of(
                RandomSequences::stringCommand, RandomSequences::stringCommand, RandomSequences::counterCommand,
                RandomSequences::setCommand, RandomSequences::setCommand, RandomSequences::hashCommand,
                RandomSequences::hashCommand, RandomSequences::keyCommand, RandomSequences::expiryCommand,
                RandomSequences::bitCommand, RandomSequences::scriptCommand);
        return families.get(random.nextInt(families.size())).apply(this);
    }

    private String stringCommand() {
        String key = key(STRING_KEYS);
        return switch (random.nextInt(16)) {
            case 0, 1 -> join("GET", key);
            case 2, 3 -> join("SET", key, pick(VALUES), setOption());
            case 4 -> join("GETSET", key, pick(VALUES));
            case 5 -> join("GETDEL", key);
            case 6 -> join("MGET", key, key(STRING_KEYS), anyKey());
            case 7 -> join("MSET", key, pick(VALUES), key(STRING_KEYS), pick(VALUES));
            case 8 -> join("APPEND", key, pick(VALUES));
            case 9 -> join("STRLEN", key);
            case 10 -> join(random.nextBoolean() ? "GETRANGE" : "SUBSTR", key, pick(INTEGERS), pick(INTEGERS));
            case 11 -> join("SETRANGE", key, pick("0", "1", "3", "-1", "abc", "10"), pick(VALUES));
            case 12 -> join("SETEX", key, pick(seconds(), "0", "-1", "abc", seconds()), pick(VALUES));
            case 13 -> join("PSETEX", key, pick(milliseconds(), "0", "-5", "x"), pick(VALUES));
            case 14 -> join("GETEX", key, pick(NONE, "PERSIST", "EX\u0000" + seconds(), "PX\u0000" + milliseconds(), "EX\u00000",
                    "EX\u0000abc", "EXAT\u00004102444800", "PERSIST\u0000EX\u00001000", "BADOPT"));
            default -> join("LCS", key, key(STRING_KEYS), pick(NONE, "LEN", "IDX", "IDX\u0000WITHMATCHLEN",
                    "IDX\u0000MINMATCHLEN\u00001", "BAD"));
        };
    }

    private String setOption() {
        return pick(NONE, NONE, NONE, "XX", "GET", "EX\u0000" + seconds(), "PX\u0000" + milliseconds(), "KEEPTTL", "EX\u00000", "EX\u0000-1",
                "EX\u0000abc", "XX\u0000GET", "EXAT\u00004102444800", "PXAT\u00004102444800000", "EX\u0000100\u0000PX\u00001",
                "KEEPTTL\u0000EX\u00001", "GET\u0000EX\u0000" + seconds(), "BAD", "EX", "XX\u0000XX");
    }

    private String counterCommand() {
        String key = key(STRING_KEYS);
        return switch (random.nextInt(7)) {
            case 0 -> join("INCR", key);
            case 1 -> join("DECR", key);
            case 2 -> join("INCRBY", key, pick(INTEGERS));
            case 3 -> join("DECRBY", key, pick(INTEGERS));
            case 4, 5 -> join("INCRBYFLOAT", key, pick(FLOATS));
            default -> join("SET", key, pick("9223372036854775806", "-9223372036854775807", "9223372036854775807",
                    "-9223372036854775808", "0", "1.5", "100"));
        };
    }

    private String setCommand() {
        String key = key(SET_KEYS);
        return switch (random.nextInt(18)) {
            case 0, 1, 2 -> join("SADD", key, pick(MEMBERS), pick(NONE, pick(MEMBERS)), pick(NONE, pick(MEMBERS)));
            case 3 -> join("SREM", key, pick(MEMBERS), pick(NONE, pick(MEMBERS)));
            case 4 -> join("SMEMBERS", key);
            case 5 -> join("SISMEMBER", key, pick(MEMBERS));
            case 6 -> join("SCARD", key);
            case 7 -> join("SPOP", key, pick("100", "0", "-1", "abc"));
            case 8 -> join("SRANDMEMBER", key, pick(NONE, "100", "-3", "0", "abc"));
            case 9 -> join("SMOVE", key, key(SET_KEYS), pick(MEMBERS));
            case 10 -> join(pick("SINTER", "SUNION", "SDIFF"), key, key(SET_KEYS), pick(NONE, key(SET_KEYS)));
            case 11 -> join(pick("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), key(SET_KEYS), key, key(SET_KEYS));
            case 12 -> join("SINTERCARD", pick("2", "1", "0", "3", "abc"), key, key(SET_KEYS),
                    pick(NONE, "LIMIT\u00001", "LIMIT\u00000", "LIMIT\u0000-1", "BAD\u00001"));
            case 13 -> join("SMISMEMBER", key, pick(MEMBERS), pick(MEMBERS));
            case 14 -> join("SSCAN", key, pick("0", "0", "abc"), pick(NONE, "MATCH\u0000m*", "COUNT\u0000100",
                    "COUNT\u00000", "MATCH\u0000*1"));
            case 15 -> join("SADD", key, pick(VALUES));
            default -> join("SMEMBERS", key);
        };
    }

    private String hashCommand() {
        String key = key(HASH_KEYS);
        return switch (random.nextInt(18)) {
            case 0, 1, 2 -> join("HSET", key, pick(FIELDS), pick(VALUES), pick(NONE, pick(FIELDS) + "\u0000"
                    + pick(VALUES)));
            case 3 -> join("HGET", key, pick(FIELDS));
            case 4 -> join("HMGET", key, pick(FIELDS), pick(FIELDS));
            case 5 -> join("HDEL", key, pick(FIELDS), pick(NONE, pick(FIELDS)));
            case 6 -> join("HGETALL", key);
            case 7 -> join("HEXISTS", key, pick(FIELDS));
            case 8 -> join("HLEN", key);
            case 9 -> join(pick("HKEYS", "HVALS"), key);
            case 10 -> join("HINCRBY", key, pick(FIELDS), pick(INTEGERS));
            case 11 -> join("HINCRBYFLOAT", key, pick(FIELDS), pick(FLOATS));
            case 12 -> join("HMSET", key, pick(FIELDS), pick(VALUES));
            case 13 -> join("HSTRLEN", key, pick(FIELDS));
            case 14 -> join("HRANDFIELD", key, pick(NONE, "100", "100\u0000WITHVALUES", "-2", "-2\u0000WITHVALUES",
                    "0", "abc", "100\u0000BAD"));
            case 15 -> join("HSCAN", key, pick("0", "abc"), pick(NONE, "MATCH\u0000f*", "COUNT\u0000100", "MATCH\u0000*1"));
            case 16 -> join("HSET", key, pick(FIELDS), pick("9223372036854775807", "-9223372036854775808", "1.5"));
            default -> join("HGETALL", key);
        };
    }

    private String keyCommand() {
        return switch (random.nextInt(14)) {
            case 0 -> join(pick("DEL", "UNLINK"), anyKey(), pick(NONE, anyKey()));
            case 1 -> join("EXISTS", anyKey(), anyKey());
            case 2, 3 -> join("TYPE", anyKey());
            case 4 -> join("KEYS", pick(PATTERNS));
            case 5 -> join("SCAN", pick("0", "0", "abc", "18446744073709551616"), pick(NONE, "MATCH\u0000"
                    + pick(PATTERNS), "TYPE\u0000" + pick(TYPES), "COUNT\u0000100", "COUNT\u00000", "BAD\u00001"));
            case 6 -> join("DBSIZE");
            case 7 -> join("RENAME", anyKey(), anyKey());
            case 8 -> join("RENAMENX", anyKey(), anyKey());
            case 9 -> join("COPY", anyKey(), anyKey(), pick(NONE, "REPLACE", "DB\u00000", "BAD"));
            case 10 -> join("TOUCH", anyKey(), anyKey());
            case 11 -> join("OBJECT", "ENCODING", anyKey());
            case 12 -> join("EXISTS", anyKey());
            default -> join("RANDOMKEY");
        };
    }

    private String expiryCommand() {
        String key = anyKey();
        return switch (random.nextInt(9)) {
            case 0 -> join("EXPIRE", key, pick(seconds(), seconds(), "0", "-5", "abc", "9223372036854775807"),
                    expiryCondition());
            case 1 -> join("PEXPIRE", key, pick(milliseconds(), milliseconds(), "0", "-5", "abc",
                    "9223372036854775807"), expiryCondition());
            case 2 -> join(pick("EXPIREAT", "PEXPIREAT"), key, pick("4102444800", "4102444800000", "1", "0",
                    "x"), pick(NONE, "NX", "XX", "GT", "LT"));
            case 3, 4 -> join(pick("TTL", "PTTL"), key);
            case 5, 6 -> join(pick("EXPIRETIME", "PEXPIRETIME"), key);
            case 7 -> join("PERSIST", key);
            default -> join("SET", key(STRING_KEYS), pick(VALUES), random.nextBoolean() ? "EX" : "PX",
                    random.nextBoolean() ? seconds() : milliseconds());
        };
    }

    private String expiryCondition() {
        return pick(NONE, NONE, "NX", "XX", "GT", "LT", "NX\u0000XX", "BAD");
    }

    /**
     * A relative expiry in seconds that the test never reaches (over 1000 s), and different from the others by whole
     * seconds, so that GT and LT compare the same way on both servers, which read their clocks a moment apart.
     */
    private String seconds() {
        return Long.toString(1_000 + random.nextInt(1_000_000));
    }

    /** As {@link #seconds}, in milliseconds (whole seconds, so the comparisons still differ by at least one). */
    private String milliseconds() {
        return Long.toString((1_000 + random.nextInt(1_000_000)) * 1_000L);
    }

    private String bitCommand() {
        String key = key(STRING_KEYS);
        return switch (random.nextInt(4)) {
            case 0 -> join("SETBIT", key, pick("0", "1", "7", "15", "100", "-1", "abc", "4294967296"),
                    pick("0", "1", "1", "2", "x"));
            case 1 -> join("GETBIT", key, pick("0", "1", "7", "15", "100", "-1", "abc"));
            case 2 -> join("BITCOUNT", key, pick(NONE, "0\u0000-1", "1\u00002", "0\u00000\u0000BIT",
                    "0\u00005\u0000BYTE", "0", "a\u0000b", "0\u0000-1\u0000BAD"));
            default -> join("SET", key, pick("foobar", "\u00ff", "a", ""));
        };
    }

    private String scriptCommand() {
        String script = pick(SCRIPTS);
        String key = anyKey();
        return switch (random.nextInt(6)) {
            case 0, 1, 2 -> join(random.nextInt(4) == 0 ? "EVAL_RO" : "EVAL", script, "1", key, pick(VALUES));
            case 3 -> join("EVAL", script, pick("0", "2", "-1", "abc"), key, pick(VALUES));
            case 4 -> join("SCRIPT", pick("LOAD", "EXISTS"), script);
            default -> join("EVALSHA", sha1(script), "1", key, pick(VALUES));
        };
    }

    static String sha1(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-1")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key of the family 85% of the time, any key otherwise (so wrong-type errors happen). */
    private String key(String[] family) {
        return random.nextInt(100) < 85 ? pick(family) : anyKey();
    }

    private String anyKey() {
        return switch (random.nextInt(3)) {
            case 0 -> pick(STRING_KEYS);
            case 1 -> pick(SET_KEYS);
            default -> pick(HASH_KEYS);
        };
    }

    private String pick(String... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /** The words joined by NUL; {@link #NONE} words are left out when the command is split. */
    private static String join(String... words) {
        return String.join("\u0000", words);
    }

    private static List<String> words(String joined) {
        List<String> words = new ArrayList<>();
        for (String word : joined.split("\u0000", -1)) {
            if (!word.equals(NONE)) {
                words.add(word);
            }
        }
        return words;
    }
}
