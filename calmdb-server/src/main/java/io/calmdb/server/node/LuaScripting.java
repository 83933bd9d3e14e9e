package io.calmdb.server.node;

import io.calmdb.server.resp.Reply;
import io.calmdb.server.resp.ReplyVisitor;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.Bit32Lib;
import org.luaj.vm2.lib.DebugLib;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.TwoArgFunction;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * The Lua interpreter behind {@code EVAL}: LuaJ (Lua 5.2 on the JVM, so no native code can crash the node), one
 * sandboxed state per node with Redis's {@code redis} library, Redis 7.0's conversions between replies and Lua values,
 * and Redis's error wording. A script runs on the keyspace thread inside one unit of writes (see
 * {@link ScriptCommands}); the engine only runs Lua and hands each {@code redis.call} to a {@link Dispatcher}.
 *
 * <p>Sandbox: the base, table, string, math and bit32 libraries only; no {@code os}, {@code io}, {@code require},
 * {@code package}, {@code loadfile}, {@code dofile}, {@code print} or {@code debug}. The global table is read-only and
 * reading an undefined global is an error, as in Redis, so one script cannot leave state for the next.
 *
 * <p>Bounds: a script stops with an error after {@link Limits#instructionsMax} Lua instructions or
 * {@link Limits#timeMillisMax} milliseconds, counted by an instruction hook that {@code pcall} cannot catch, and a
 * {@code string.rep} result may not exceed {@link Limits#stringBytesMax}; a script that still exhausts the heap is
 * stopped with an error. The node goes on serving. Writes the script made before it stopped stay applied and
 * replicate, as Redis keeps them (Redis has no rollback either). Not thread-safe: the keyspace thread owns it.
 */
final class LuaScripting {
    /** Redis's default {@code busy-reply-threshold}: the longest a script may run, in milliseconds. */
    static final long SCRIPT_TIME_LIMIT_MILLIS = 5_000;
    /** The most Lua instructions one script may execute (a CPU and allocation bound independent of the clock). */
    static final long SCRIPT_INSTRUCTIONS_MAX = 100_000_000;
    /** How many instructions run between two looks at the clock. */
    static final int CLOCK_CHECK_INSTRUCTIONS = 10_000;
    /** The longest string {@code string.rep} may build, in bytes (the node's largest value). */
    static final long SCRIPT_STRING_BYTES_MAX = 16L * 1024 * 1024;
    /** The most scripts the cache holds; {@code SCRIPT LOAD} past it is refused until {@code SCRIPT FLUSH}. */
    static final int SCRIPT_CACHE_SCRIPTS_MAX = 10_000;

    static final String NO_SCRIPT = "NOSCRIPT No matching script. Please use EVAL.";
    static final String CHUNK_NAME = "user_script";

    /** The bounds of one script run. */
    record Limits(long instructionsMax, long timeMillisMax, long stringBytesMax) {
        static final Limits DEFAULT = new Limits(SCRIPT_INSTRUCTIONS_MAX, SCRIPT_TIME_LIMIT_MILLIS, SCRIPT_STRING_BYTES_MAX);
    }

    /** Runs one {@code redis.call} inside the script's unit; answers the command's reply (an error reply too). */
    @FunctionalInterface
    interface Dispatcher {
        Reply call(byte[][] arguments);
    }

    /**
     * A command called with {@code redis.call} answered an error: raised as the error's text (what a script's
     * {@code pcall} then sees, as in Redis 7.0), and answered without a Lua position, as Redis answers it.
     */
    private static final class CallError extends LuaError {
        final String text;

        CallError(String message) {
            super(LuaValue.valueOf(message));
            this.text = message;
        }
    }

    /** Thrown by the instruction hook; an {@link Error} so that a script's {@code pcall} cannot swallow it. */
    private static final class ScriptStopped extends Error {
        ScriptStopped(String message) {
            super(message, null, false, false);
        }
    }

    /** LuaJ's position prefix: {@code user_script:1}, or {@code [string "user_script"]:1:} from its compiler. */
    private static final Pattern POSITION = Pattern.compile("^(?:\\[string \"" + CHUNK_NAME + "\"\\]|" + CHUNK_NAME
            + "):(\\d+)[: ] ?");

    /** Not final: {@code CONFIG SET busy-reply-threshold} changes the time limit of scripts started after it. */
    private volatile Limits limits;
    private final Globals globals = new Globals();
    private final LuaTable redis = new LuaTable();
    private final Map<String, LuaFunction> cache = new LinkedHashMap<>();
    private final BudgetHook hook = new BudgetHook();
    private Dispatcher dispatcher;

    LuaScripting(Limits limits) {
        this.limits = limits;
        globals.load(new JseBaseLib());
        globals.load(new PackageLib());
        globals.load(new TableLib());
        globals.load(new StringLib());
        globals.load(new JseMathLib());
        globals.load(new Bit32Lib());
        globals.load(hook);
        LoadState.install(globals);
        LuaC.install(globals);
        for (String name : List.of("os", "io", "require", "module", "package", "loadfile", "dofile", "print", "debug",
                "luajava", "collectgarbage")) {
            globals.rawset(name, LuaValue.NIL);
        }
        // Redis embeds Lua 5.1; these are the 5.1 names scripts written for it use.
        globals.rawset("unpack", globals.get("table").get("unpack"));
        globals.rawset("loadstring", globals.get("load"));
        // LuaJ writes a caught error's position as "user_script:1 message" plus a traceback; Lua (and Redis) give
        // "user_script:1: message", which scripts match on.
        LuaValue protectedCall = globals.get("pcall");
        globals.rawset("pcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                Varargs result = protectedCall.invoke(args);
                if (result.arg1().toboolean() || result.arg(2).type() != LuaValue.TSTRING) {
                    return result;
                }
                return LuaValue.varargsOf(LuaValue.FALSE, LuaValue.valueOf(cleanMessage(result.arg(2).tojstring())));
            }
        });
        // Lua 5.1 reads a number with the C library's strtod, which takes "nan", "inf" and "infinity" (any case,
        // signed, space around); LuaJ's tonumber does not, so a script's tonumber(ARGV[1]) answered nil where
        // Redis answers a number.
        LuaValue toNumber = globals.get("tonumber");
        globals.rawset("tonumber", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                Varargs result = toNumber.invoke(args);
                if (result.arg1().isnil() && args.narg() == 1 && args.arg1().type() == LuaValue.TSTRING) {
                    Double special = strtodSpecial(args.arg1().tojstring());
                    if (special != null) {
                        return LuaValue.valueOf(special);
                    }
                }
                return result;
            }
        });
        // Lua 5.1 orders strings with strcoll, in the C locale Redis runs it in a comparison of unsigned bytes; LuaJ
        // compares signed bytes, so table.sort put "\u00e9t\u00e9" (0xC3...) before "m". Scripts sort SMEMBERS
        // replies to be deterministic, so table.sort without a comparator orders strings as Lua does.
        LuaValue sort = globals.get("table").get("sort");
        TwoArgFunction luaOrder = new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue left, LuaValue right) {
                if (left.type() == LuaValue.TSTRING && right.type() == LuaValue.TSTRING) {
                    return LuaValue.valueOf(compareUnsigned(left.checkstring(), right.checkstring()) < 0);
                }
                return LuaValue.valueOf(left.lt_b(right));
            }
        };
        globals.get("table").rawset("sort", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                if (args.narg() >= 2 && !args.arg(2).isnil()) {
                    return sort.invoke(args);
                }
                return sort.invoke(LuaValue.varargsOf(args.arg1(), luaOrder));
            }
        });
        LuaValue rep = globals.get("string").get("rep");
        globals.get("string").rawset("rep", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue text, LuaValue count) {
                if ((double) text.checkstring().length() * count.checkdouble() > limits.stringBytesMax()) {
                    throw new LuaError("string.rep would build more than " + limits.stringBytesMax()
                            + " bytes (SCRIPT_STRING_BYTES_MAX)");
                }
                return rep.call(text, count);
            }
        });
        installRedisLibrary();
        globals.rawset("redis", redis);
        // Scripts see every library through a read-only view, and the globals through one more that also refuses
        // reading an undefined name, as Redis 7.0 makes them: no script can leave state for the next one.
        for (String library : List.of("string", "table", "math", "bit32", "redis")) {
            globals.rawset(library, readOnlyView(globals.get(library), false));
        }
        // The global table itself must stay the chunks' environment (LuaJ runs its instruction hook only for code
        // whose environment is the Globals), so its entries move to a backing table and it keeps none of its own:
        // every read then goes through __index and every write, even of an existing name, through __newindex.
        LuaValue key = LuaValue.NIL;
        while (true) {
            Varargs next = globals.next(key);
            key = next.arg1();
            if (key.isnil()) {
                break;
            }
            names.rawset(key, next.arg(2));
        }
        LuaValue[] keys = names.keys();
        for (LuaValue name : keys) {
            globals.rawset(name, LuaValue.NIL);
        }
        LuaTable meta = new LuaTable();
        meta.rawset("__index", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue table, LuaValue name) {
                LuaValue value = names.rawget(name);
                if (value.isnil()) {
                    throw new LuaError("Script attempted to access nonexistent global variable '" + name.tojstring()
                            + "'");
                }
                return value;
            }
        });
        meta.rawset("__newindex", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                throw new LuaError("Attempt to modify a readonly table");
            }
        });
        meta.rawset("__metatable", LuaValue.FALSE);
        globals.setmetatable(meta);
    }

    /** The globals' entries, which scripts read through the read-only global table. */
    private final LuaTable names = new LuaTable();

    private static LuaTable readOnlyView(LuaValue backing, boolean refuseUndefined) {
        LuaTable view = new LuaTable();
        LuaTable meta = new LuaTable();
        meta.rawset("__index", refuseUndefined ? new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue table, LuaValue key) {
                LuaValue value = backing.rawget(key);
                if (value.isnil()) {
                    throw new LuaError("Script attempted to access nonexistent global variable '" + key.tojstring()
                            + "'");
                }
                return value;
            }
        } : backing);
        meta.rawset("__newindex", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                throw new LuaError("Attempt to modify a readonly table");
            }
        });
        meta.rawset("__metatable", LuaValue.FALSE);
        view.setmetatable(meta);
        return view;
    }

    private void installRedisLibrary() {
        redis.rawset("call", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                LuaValue reply = toLua(dispatch(args));
                if (reply.istable() && reply.rawget("err").isstring()) {
                    throw new CallError(reply.rawget("err").tojstring());
                }
                return reply;
            }
        });
        redis.rawset("pcall", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                try {
                    return toLua(dispatch(args));
                } catch (CallError refused) {
                    // Redis's pcall answers a bad call (no arguments, an argument that is not a string) as an
                    // error table too, so the script sees it and no Lua position is added.
                    return errorTable(refused.text);
                }
            }
        });
        redis.rawset("error_reply", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue message) {
                String text = message.checkjstring();
                if (text.startsWith("-")) {
                    text = text.substring(1);
                }
                // Redis 7.0 keeps a leading error code (a word before a space) and adds ERR otherwise.
                LuaTable error = new LuaTable();
                error.rawset("err", text.indexOf(' ') > 0 ? text : "ERR " + text);
                return error;
            }
        });
        redis.rawset("status_reply", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue message) {
                LuaTable status = new LuaTable();
                status.rawset("ok", message.checkstring());
                return status;
            }
        });
        redis.rawset("sha1hex", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue text) {
                LuaString string = text.checkstring();
                byte[] bytes = new byte[string.rawlen()];
                string.copyInto(0, bytes, 0, bytes.length);
                return LuaValue.valueOf(sha1(bytes));
            }
        });
        redis.rawset("log", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return LuaValue.NIL;
            }
        });
        redis.rawset("LOG_DEBUG", 0);
        redis.rawset("LOG_VERBOSE", 1);
        redis.rawset("LOG_NOTICE", 2);
        redis.rawset("LOG_WARNING", 3);
    }

    /** The SHA-1 of a script body, as Redis names scripts: 40 lower-case hex digits. */
    static String sha1(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }

    /** Compiles and caches {@code body}; returns its SHA-1, or throws {@link ScriptException} with the error reply. */
    String load(byte[] body) throws ScriptException {
        String sha = sha1(body);
        if (cache.containsKey(sha)) {
            return sha;
        }
        LuaFunction function;
        try {
            function = (LuaFunction) globals.load(new ByteArrayInputStream(body), CHUNK_NAME, "t", globals);
        } catch (LuaError error) {
            throw new ScriptException("ERR Error compiling script (new function): " + cleanMessage(String.valueOf(
                    error.getMessageObject().tojstring())));
        }
        if (cache.size() >= SCRIPT_CACHE_SCRIPTS_MAX) {
            throw new ScriptException("ERR the script cache holds " + SCRIPT_CACHE_SCRIPTS_MAX
                    + " scripts (SCRIPT_CACHE_SCRIPTS_MAX); run SCRIPT FLUSH");
        }
        cache.put(sha, function);
        return sha;
    }

    boolean exists(String sha) {
        return cache.containsKey(sha.toLowerCase(java.util.Locale.ROOT));
    }

    void flush() {
        cache.clear();
    }

    /** A refusal whose message is the whole error reply. */
    static final class ScriptException extends Exception {
        ScriptException(String reply) {
            super(reply, null, false, false);
        }
    }

    /**
     * Runs the cached script {@code sha} with {@code KEYS} and {@code ARGV}; each {@code redis.call} goes to
     * {@code calls}. Returns the script's reply (an error reply when it raised an error or was stopped).
     */
    Reply run(String sha, List<byte[]> keys, List<byte[]> arguments, Dispatcher calls) {
        LuaFunction function = cache.get(sha.toLowerCase(java.util.Locale.ROOT));
        if (function == null) {
            return Reply.error(NO_SCRIPT);
        }
        names.rawset("KEYS", table(keys));
        names.rawset("ARGV", table(arguments));
        dispatcher = calls;
        hook.arm(limits);
        try {
            return fromLua(function.call());
        } catch (ScriptStopped stopped) {
            return Reply.error("ERR " + stopped.getMessage() + " script: " + sha);
        } catch (LuaError error) {
            return errorReply(error, sha);
        } catch (StackOverflowError overflow) {
            return Reply.error("ERR the script overflowed the stack (recursion too deep) script: " + sha);
        } catch (OutOfMemoryError exhausted) {
            return Reply.error("ERR the script exhausted the node's memory and was stopped script: " + sha);
        } finally {
            hook.disarm();
            dispatcher = null;
            names.rawset("KEYS", LuaValue.NIL);
            names.rawset("ARGV", LuaValue.NIL);
        }
    }

    private static LuaTable table(List<byte[]> values) {
        LuaTable table = new LuaTable(values.size(), 0);
        for (int i = 0; i < values.size(); i++) {
            table.rawset(i + 1, LuaString.valueOf(values.get(i)));
        }
        return table;
    }

    private Reply dispatch(Varargs args) {
        if (args.narg() == 0) {
            throw new CallError("ERR Please specify at least one argument for this redis lib call");
        }
        byte[][] arguments = new byte[args.narg()][];
        for (int i = 1; i <= args.narg(); i++) {
            LuaValue value = args.arg(i);
            if (!value.isstring()) {
                // isstring() is also true for numbers, which Lua turns into their decimal text.
                throw new CallError("ERR Lua redis lib command arguments must be strings or integers");
            }
            LuaString string = value.checkstring();
            arguments[i - 1] = new byte[string.rawlen()];
            string.copyInto(0, arguments[i - 1], 0, arguments[i - 1].length);
        }
        return dispatcher.call(arguments);
    }

    private static LuaTable errorTable(String message) {
        LuaTable table = new LuaTable();
        table.rawset("err", message);
        return table;
    }

    /** A reply as Redis gives it to Lua. */
    static LuaValue toLua(Reply reply) {
        return ReplyVisitor.visit(reply, new ReplyVisitor<LuaValue>() {
            @Override
            public LuaValue simple(String text) {
                LuaTable status = new LuaTable();
                status.rawset("ok", text);
                return status;
            }

            @Override
            public LuaValue error(String message) {
                return errorTable(message);
            }

            @Override
            public LuaValue integer(long value) {
                return LuaValue.valueOf((double) value);
            }

            @Override
            public LuaValue bulk(byte[] value) {
                return LuaString.valueOf(value);
            }

            @Override
            public LuaValue nil() {
                return LuaValue.FALSE;
            }

            @Override
            public LuaValue array(List<Reply> elements) {
                LuaTable table = new LuaTable(elements.size(), 0);
                for (int i = 0; i < elements.size(); i++) {
                    table.rawset(i + 1, toLua(elements.get(i)));
                }
                return table;
            }

            @Override
            public LuaValue doubleValue(double value) {
                return LuaString.valueOf(Double.toString(value));
            }

            @Override
            public LuaValue bool(boolean value) {
                return value ? LuaValue.valueOf(1) : LuaValue.FALSE;
            }
        });
    }

    /** Compares two Lua strings byte by byte, each byte unsigned, as strcmp does (and strcoll in the C locale). */
    static int compareUnsigned(LuaString left, LuaString right) {
        int length = Math.min(left.rawlen(), right.rawlen());
        for (int index = 0; index < length; index++) {
            int difference = left.luaByte(index) - right.luaByte(index);
            if (difference != 0) {
                return difference;
            }
        }
        return left.rawlen() - right.rawlen();
    }

    /** NaN or an infinity when {@code text} is one as strtod reads it (any case, a sign, spaces around), else null. */
    static Double strtodSpecial(String text) {
        String word = text.strip().toLowerCase(java.util.Locale.ROOT);
        boolean negative = word.startsWith("-");
        if (negative || word.startsWith("+")) {
            word = word.substring(1);
        }
        return switch (word) {
            case "nan" -> Double.NaN;
            case "inf", "infinity" -> negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            default -> null;
        };
    }

    /**
     * A Lua number as Redis's {@code (long long)} cast turns it into an integer reply: truncated toward zero (3.99
     * answers 3, -3.7 answers -3), and, where the C cast has no defined value (NaN, infinities, magnitudes past
     * 2^63), the value x86-64 gives it, -9223372036854775808, rather than Java's saturation.
     */
    static long truncatedAsRedis(double value) {
        if (Double.isNaN(value) || value >= 0x1p63 || value < -0x1p63) {
            return Long.MIN_VALUE;
        }
        return (long) value;
    }

    /** A Lua value as Redis turns a script's result into a reply. */
    static Reply fromLua(LuaValue value) {
        switch (value.type()) {
            case LuaValue.TSTRING -> {
                LuaString string = value.checkstring();
                byte[] bytes = new byte[string.rawlen()];
                string.copyInto(0, bytes, 0, bytes.length);
                return Reply.bulk(bytes);
            }
            case LuaValue.TNUMBER -> {
                return Reply.integer(truncatedAsRedis(value.todouble()));
            }
            case LuaValue.TBOOLEAN -> {
                return value.toboolean() ? Reply.integer(1) : Reply.nil();
            }
            case LuaValue.TTABLE -> {
                LuaValue error = value.rawget("err");
                if (error.isstring()) {
                    return Reply.error(error.tojstring());
                }
                LuaValue status = value.rawget("ok");
                if (status.isstring()) {
                    return Reply.simple(status.tojstring());
                }
                List<Reply> elements = new ArrayList<>();
                for (int i = 1; ; i++) {
                    LuaValue element = value.rawget(i);
                    if (element.isnil()) {
                        break;
                    }
                    elements.add(fromLua(element));
                }
                return Reply.array(elements);
            }
            default -> {
                return Reply.nil();
            }
        }
    }

    /** Redis 7.0's reply to a script that raised: the message, the script's SHA and the line it stopped at. */
    private Reply errorReply(LuaError error, String sha) {
        LuaValue raised = error.getMessageObject();
        String line = hook.lastLine > 0 ? Integer.toString(hook.lastLine) : lineOf(String.valueOf(error.getMessage()));
        String where = " script: " + sha + ", on @" + CHUNK_NAME + ":" + line + ".";
        if (error instanceof CallError) {
            return Reply.error(raised.tojstring() + where);
        }
        if (raised != null && raised.istable() && raised.rawget("err").isstring()) {
            return Reply.error(raised.rawget("err").tojstring() + where);
        }
        String message = raised == null ? String.valueOf(error.getMessage()) : raised.tojstring();
        return Reply.error("ERR " + cleanMessage(message) + where);
    }

    private static String lineOf(String message) {
        Matcher matcher = POSITION.matcher(message);
        return matcher.find() ? matcher.group(1) : "?";
    }

    /** LuaJ's {@code user_script:1 message} and its appended traceback, as Lua's {@code user_script:1: message}. */
    static String cleanMessage(String message) {
        int traceback = message.indexOf("\nstack traceback:");
        String text = traceback >= 0 ? message.substring(0, traceback) : message;
        Matcher matcher = POSITION.matcher(text);
        if (matcher.find()) {
            text = CHUNK_NAME + ":" + matcher.group(1) + ": " + text.substring(matcher.end());
        }
        return text.replace('\r', ' ').replace('\n', ' ');
    }

    /**
     * Counts instructions through LuaJ's debug hook (the only per-instruction callback it offers) and stops the script
     * past its bounds. The {@code debug} table itself is not given to scripts.
     */
    private static final class BudgetHook extends DebugLib {
        private boolean armed;
        private long executed;
        private long instructionsMax;
        private long deadlineNanos;

        /** The closures being run, innermost first (null for a Java function), to know the line being run. */
        private final java.util.ArrayDeque<Object> frames = new java.util.ArrayDeque<>();
        /** The source line of the last Lua instruction run, which Redis names in its error replies. */
        int lastLine;

        @Override
        public void onCall(org.luaj.vm2.LuaFunction function) {
            frames.push(Boolean.FALSE);
            super.onCall(function);
        }

        @Override
        public void onCall(org.luaj.vm2.LuaClosure closure, Varargs varargs, LuaValue[] stack) {
            frames.push(closure);
            super.onCall(closure, varargs, stack);
        }

        @Override
        public void onReturn() {
            if (!frames.isEmpty()) {
                frames.pop();
            }
            super.onReturn();
        }

        void arm(Limits limits) {
            armed = true;
            frames.clear();
            lastLine = 0;
            executed = 0;
            instructionsMax = limits.instructionsMax();
            deadlineNanos = System.nanoTime() + limits.timeMillisMax() * 1_000_000;
            this.limitMillis = limits.timeMillisMax();
        }

        private long limitMillis;

        void disarm() {
            armed = false;
        }

        @Override
        public void onInstruction(int pc, Varargs v, int top) {
            if (armed) {
                if (frames.peek() instanceof org.luaj.vm2.LuaClosure closure && closure.p.lineinfo != null
                        && pc >= 0 && pc < closure.p.lineinfo.length) {
                    lastLine = closure.p.lineinfo[pc];
                }
                executed++;
                if (executed > instructionsMax) {
                    armed = false;
                    throw new ScriptStopped("the script ran more than " + instructionsMax
                            + " Lua instructions (SCRIPT_INSTRUCTIONS_MAX) and was stopped; writes it made before are"
                            + " kept");
                }
                if (executed % CLOCK_CHECK_INSTRUCTIONS == 0 && System.nanoTime() > deadlineNanos) {
                    armed = false;
                    throw new ScriptStopped("the script ran longer than " + limitMillis
                            + " ms (SCRIPT_TIME_LIMIT_MILLIS) and was stopped; writes it made before are kept");
                }
            }
            super.onInstruction(pc, v, top);
        }
    }

    // ---- CONFIG and INFO (issue 9)

    /** The time limit of a script, in milliseconds: Redis's {@code busy-reply-threshold}. */
    long timeLimitMillis() {
        return limits.timeMillisMax();
    }

    /** Sets the time limit of scripts started from now on, in milliseconds (> 0). */
    void timeLimitMillis(long millis) {
        if (millis <= 0) {
            throw new IllegalArgumentException("the script time limit must be > 0 ms, got " + millis);
        }
        Limits current = limits;
        limits = new Limits(current.instructionsMax(), millis, current.stringBytesMax());
    }

    /** How many scripts the cache holds: Redis's {@code number_of_cached_scripts}. */
    int cachedScripts() {
        return cache.size();
    }
}
