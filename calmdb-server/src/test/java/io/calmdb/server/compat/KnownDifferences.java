package io.calmdb.server.compat;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The allow-list of the differential test: each entry is a difference from Redis 7.0 that CalmDB makes on purpose,
 * with the command it concerns, the reply CalmDB gives instead, and why. docs/compatibility.md lists the same
 * entries. The test fails when an entry no longer differs, so the list stays honest: remove the entry when the
 * difference goes away.
 */
final class KnownDifferences {
    /**
     * One deliberate difference.
     *
     * @param name a short name, as in docs/compatibility.md
     * @param command matches the command line (arguments joined by spaces, compared case-insensitively)
     * @param calmReply matches CalmDB's rendered reply, so that only the intended difference is allowed
     * @param reason why CalmDB answers differently
     */
    record Entry(String name, Pattern command, Pattern calmReply, String reason) {
        boolean matches(String commandLine, String calmRendered) {
            return command.matcher(commandLine).matches() && calmReply.matcher(calmRendered).matches();
        }
    }

    static final List<Entry> ENTRIES = List.of(
            entry("SET NX GET", "SET .* NX( .*)?", "-ERR SET with both NX and GET is not supported by CalmDB.*",
                    "SET NX is a claim decided by the key's authority region, whose decision says whether it wrote "
                    + "the key, not what the key held; Redis 7.0's old value would be a guess from the local view"),
            entry("strings past 16 MiB", "(SETRANGE|SETBIT|APPEND) .*",
                    "-ERR (string exceeds maximum allowed size \\(proto-max-bulk-len\\)|bit offset is not an "
                    + "integer or out of range)",
                    "a CalmDB string is at most Keyspace.STRING_BYTES_MAX (16 MiB, the node's bulkBytesMax) so that "
                    + "one value can be replicated and checkpointed in one message; Redis allows 512 MB"),
            entry("only database 0", "(SELECT|COPY .* DB) [1-9][0-9]*", "-ERR DB index is out of range",
                    "a CalmDB node has one keyspace; SELECT and COPY ... DB accept only database 0"),
            entry("Lua compile errors", "EVAL .*",
                    "-ERR Error compiling script \\(new function\\): user_script:[0-9]+: .*",
                    "scripts run on LuaJ, whose compiler words a syntax error differently from Lua 5.1's (\"syntax "
                    + "error\" for \"'=' expected near 'is'\"); the refusal, its prefix and the line agree"),
            entry("Lua comparison errors", "EVAL .*",
                    "-ERR user_script:[0-9]+: attempt to compare .* script: [0-9a-f]{40}, on @user_script:[0-9]+\\.",
                    "LuaJ raises a comparison of mismatched types (table.sort of {1, 'a'}) with its own wording and "
                    + "the script's position; Lua 5.1 words it 'attempt to compare string with number' and, raised "
                    + "inside sort, gives no position; the refusal and the suffix agree"),
            entry("WATCH sees a re-add", "EXEC ECHO watched-re-add", "\\*nil",
                    "SADD of a member already present answers 0 but still writes a delta: the member gets a fresh dot, "
                    + "so the add wins over an SREM another region makes concurrently (add-wins); a WATCH of the key "
                    + "sees that write, where Redis, which changed nothing, does not fail the EXEC"),
            entry("OBJECT ENCODING", "OBJECT ENCODING .*", "\"(int|embstr|raw|intset|listpack|hashtable)\"",
                    "CalmDB has no encodings of its own and reports the one Redis would choose for the value as it is "
                    + "now; Redis's depends on the key's history (a string changed in place by APPEND, SETRANGE or "
                    + "SETBIT stays raw, a set or hash once converted to hashtable never converts back)"));

    private KnownDifferences() {}

    static Entry entry(String name, String command, String calmReply, String reason) {
        return new Entry(name, Pattern.compile(command, Pattern.CASE_INSENSITIVE | Pattern.DOTALL),
                Pattern.compile(calmReply, Pattern.DOTALL), reason);
    }

    /** The entry that allows this difference, if any. */
    static Optional<Entry> find(String commandLine, String calmRendered) {
        return ENTRIES.stream().filter(entry -> entry.matches(commandLine, calmRendered)).findFirst();
    }
}
