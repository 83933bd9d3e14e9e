package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.replication.keyspace.Kind;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Handlers of the string commands beyond GET/SET: {@code APPEND}, {@code STRLEN}, {@code GETRANGE}/{@code SUBSTR},
 * {@code SETRANGE}, {@code GETBIT}/{@code SETBIT}/{@code BITCOUNT}, {@code LCS} and {@code INCRBYFLOAT}. Edits of a
 * string are last-writer-wins rewrites of the register (see docs/resp.md); the keyspace decides them.
 */
final class StringCommands {
    /**
     * The most cells of the table {@code LCS} fills ((length a + 1) x (length b + 1), 4 bytes each): 32 Mi cells,
     * 128 MiB, for a command that runs on the keyspace thread. Redis bounds it by {@code proto-max-bulk-len}.
     */
    static final long LCS_CELLS_MAX = 32L * 1024 * 1024;

    private StringCommands() {}

    /** SET's NX and XX exclude each other (Redis's syntax error), checked before the refusal they lead to. */
    static String absenceOption(String previous, String option) throws KeyspaceException {
        if (previous != null && !previous.equals(option)) {
            throw new KeyspaceException(CommandErrors.SYNTAX);
        }
        return option;
    }

    static Reply incrementByFloat(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.bulk(commits.commit(keyspace.incrementByFloat(KeyCommands.key(command, 1),
                KeyCommands.key(command, 2), now)).toByteArray());
    }

    static Reply append(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(commits.commit(keyspace.append(KeyCommands.key(command, 1), KeyCommands.key(command, 2),
                now)));
    }

    static Reply stringLength(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(keyspace.stringLength(KeyCommands.key(command, 1)));
    }

    static Reply getRange(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long start = KeyspaceCommands.integer(command, 2);
        long end = KeyspaceCommands.integer(command, 3);
        return Reply.bulk(keyspace.getRange(KeyCommands.key(command, 1), start, end).toByteArray());
    }

    static Reply setRange(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long offset = KeyspaceCommands.integer(command, 2);
        return Reply.integer(commits.commit(keyspace.setRange(KeyCommands.key(command, 1), offset,
                KeyCommands.key(command, 3), now)));
    }

    static Reply getBit(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        return Reply.integer(keyspace.getBit(KeyCommands.key(command, 1), bitOffset(command, 2)));
    }

    static Reply setBit(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        long offset = bitOffset(command, 2); // Redis reads the offset before the bit
        String bit = command.argumentString(3);
        if (!bit.equals("0") && !bit.equals("1")) {
            throw new KeyspaceException("ERR bit is not an integer or out of range");
        }
        return Reply.integer(commits.commit(keyspace.setBit(KeyCommands.key(command, 1), offset,
                bit.charAt(0) - '0', now)));
    }

    /**
     * The largest bit offset Redis parses, 2^32 - 1 (its 512 MB proto-max-bulk-len in bits): an offset beyond it is
     * refused as it parses, before the bit value is read. The smaller CalmDB string bound applies later, in the
     * keyspace.
     */
    static final long BIT_OFFSET_PARSED_MAX = (512L * 1024 * 1024 * 8) - 1;

    private static long bitOffset(Command command, int index) throws KeyspaceException {
        long offset;
        try {
            offset = command.argumentLong(index);
        } catch (NumberFormatException notAnInteger) {
            throw new KeyspaceException(Keyspace.BIT_OFFSET_INVALID);
        }
        if (offset < 0 || offset > BIT_OFFSET_PARSED_MAX) {
            throw new KeyspaceException(Keyspace.BIT_OFFSET_INVALID);
        }
        return offset;
    }

    /** {@code BITCOUNT key [start end [BYTE|BIT]]}. */
    static Reply bitCount(Keyspace keyspace, KeyspaceTask.Commits commits, long now, Command command)
            throws KeyspaceException {
        // Redis looks the key up first: an absent key counts 0 and a key of another type is refused, whatever
        // the range arguments say.
        Kind kind = keyspace.type(KeyCommands.key(command, 1));
        if (kind == null) {
            return Reply.integer(0);
        }
        if (kind != Kind.STRING) {
            throw new KeyspaceException(KeyspaceException.WRONG_TYPE);
        }
        int arguments = command.argumentCount();
        if (arguments == 3 || arguments > 5) {
            throw new KeyspaceException(CommandErrors.SYNTAX);
        }
        Long start = null;
        Long end = null;
        boolean bitUnit = false;
        if (arguments >= 4) {
            start = KeyspaceCommands.integer(command, 2);
            end = KeyspaceCommands.integer(command, 3);
            if (arguments == 5) {
                String unit = command.argumentString(4).toUpperCase(Locale.ROOT);
                if (!unit.equals("BYTE") && !unit.equals("BIT")) {
                    throw new KeyspaceException(CommandErrors.SYNTAX);
                }
                bitUnit = unit.equals("BIT");
            }
        }
        return Reply.integer(keyspace.bitCount(KeyCommands.key(command, 1), start, end, bitUnit));
    }

    /**
     * {@code LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]}: the longest common subsequence of two
     * strings (absent keys are empty), with Redis 7.0's replies and its backtracking order for IDX.
     */
    static Reply longestCommonSubsequence(Keyspace keyspace, KeyspaceTask.Commits commits, long now,
                                          Command command) throws KeyspaceException {
        // Redis checks the types of both keys before it reads the options.
        byte[] a = lcsString(keyspace, KeyCommands.key(command, 1));
        byte[] b = lcsString(keyspace, KeyCommands.key(command, 2));
        boolean lengthOnly = false;
        boolean indexes = false;
        boolean withMatchLength = false;
        long minimumMatchLength = 0;
        for (int i = 3; i < command.argumentCount(); i++) {
            String option = command.argumentString(i).toUpperCase(Locale.ROOT);
            switch (option) {
                case "LEN" -> lengthOnly = true;
                case "IDX" -> indexes = true;
                case "WITHMATCHLEN" -> withMatchLength = true;
                case "MINMATCHLEN" -> {
                    if (i + 1 >= command.argumentCount()) {
                        throw new KeyspaceException(CommandErrors.SYNTAX);
                    }
                    minimumMatchLength = Math.max(0, KeyspaceCommands.integer(command, ++i));
                }
                default -> throw new KeyspaceException(CommandErrors.SYNTAX);
            }
        }
        if (lengthOnly && indexes) {
            throw new KeyspaceException("ERR If you want both the length and indexes, please just use IDX.");
        }
        if ((long) (a.length + 1) * (b.length + 1) > LCS_CELLS_MAX) {
            throw new KeyspaceException("ERR Insufficient memory, transient memory for LCS exceeds "
                    + "proto-max-bulk-len");
        }
        int columns = b.length + 1;
        int[] table = new int[(a.length + 1) * columns];
        for (int i = 1; i <= a.length; i++) {
            for (int j = 1; j <= b.length; j++) {
                table[i * columns + j] = a[i - 1] == b[j - 1] ? table[(i - 1) * columns + j - 1] + 1
                        : Math.max(table[(i - 1) * columns + j], table[i * columns + j - 1]);
            }
        }
        int length = table[a.length * columns + b.length];
        if (lengthOnly) {
            return Reply.integer(length);
        }
        byte[] result = new byte[length];
        List<Reply> matches = new ArrayList<>();
        int i = a.length;
        int j = b.length;
        int at = length;
        int aStart = a.length;
        int aEnd = 0;
        int bStart = 0;
        int bEnd = 0;
        while (i > 0 && j > 0) {
            boolean emit = false;
            if (a[i - 1] == b[j - 1]) {
                result[at - 1] = a[i - 1];
                if (aStart == a.length) {
                    aStart = i - 1;
                    aEnd = i - 1;
                    bStart = j - 1;
                    bEnd = j - 1;
                } else if (aStart == i && bStart == j) {
                    aStart--;
                    bStart--;
                } else {
                    emit = true;
                }
                if (aStart == 0 || bStart == 0) {
                    emit = true;
                }
                at--;
                i--;
                j--;
            } else {
                if (table[(i - 1) * columns + j] > table[i * columns + j - 1]) {
                    i--;
                } else {
                    j--;
                }
                if (aStart != a.length) {
                    emit = true;
                }
            }
            if (emit) {
                int matchLength = aEnd - aStart + 1;
                if (minimumMatchLength == 0 || matchLength >= minimumMatchLength) {
                    List<Reply> match = new ArrayList<>();
                    match.add(Reply.array(Reply.integer(aStart), Reply.integer(aEnd)));
                    match.add(Reply.array(Reply.integer(bStart), Reply.integer(bEnd)));
                    if (withMatchLength) {
                        match.add(Reply.integer(matchLength));
                    }
                    matches.add(Reply.array(match));
                }
                aStart = a.length;
            }
        }
        if (!indexes) {
            return Reply.bulk(result);
        }
        Map<Reply, Reply> reply = new LinkedHashMap<>();
        reply.put(Reply.bulk("matches"), Reply.array(matches));
        reply.put(Reply.bulk("len"), Reply.integer(length));
        return Reply.map(reply);
    }

    private static byte[] lcsString(Keyspace keyspace, Bytes key) throws KeyspaceException {
        Optional<Bytes> value;
        try {
            value = keyspace.get(key);
        } catch (KeyspaceException wrongType) {
            throw new KeyspaceException("ERR The specified keys must contain string values");
        }
        return value.map(Bytes::toByteArray).orElse(new byte[0]);
    }
}
