package io.calmdb.server.node;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.claim.ClaimAuthority;
import io.calmdb.replication.claim.ClaimRequest;
import io.calmdb.replication.claim.ClaimResult;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandErrors;
import io.calmdb.server.resp.Connection;
import io.calmdb.server.resp.Reply;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * The claim commands (issue 8) and the Redis commands that need global absence, which are claims on their key:
 * {@code CLAIM}, {@code CLAIM.STATUS}, {@code CLAIM.OWNER}, {@code CLAIM.AUTHORITY}, {@code CLAIM.RELEASE},
 * {@code SET ... NX}, {@code SETNX}, {@code MSETNX} and {@code HSETNX}. Each is decided by the name's (the key's)
 * authority region, never here unless this region is the authority; see docs/coordination.md.
 *
 * <p>When the authority does not answer in time the reply is an error that starts with {@code PENDING} and the claim's
 * id; the claim stays in flight and {@code CLAIM.STATUS id} on this region tells its outcome later. {@code SET NX}
 * and the other key claims cannot run inside {@code MULTI} or a script, which cannot wait for another region: there
 * they keep the refusal of {@link KeyspaceCommands#GLOBAL_ABSENCE_REFUSED}.
 */
final class ClaimCommands {
    /** How long a claim waits for its authority before the reply is PENDING, when no {@code TIMEOUT} is given. */
    static final long TIMEOUT_MILLIS_DEFAULT = 2_000;
    /** The longest {@code TIMEOUT} accepted, in milliseconds. */
    static final long TIMEOUT_MILLIS_MAX = 60_000;
    /** The longest owner of a {@code CLAIM}, in bytes (it is echoed in status lines). */
    static final int OWNER_BYTES_MAX = 1024;
    /** The reply to a key argument that starts with the reserved prefix. */
    static final String RESERVED_KEY = "ERR keys that start with a NUL byte followed by 'calmdb:' are reserved for "
            + "CalmDB's claim facts";

    private ClaimCommands() {}

    // ------------------------------------------------------------------------------------------------------
    // CLAIM and friends

    /** {@code CLAIM ns name owner [TIMEOUT ms] [LEASE ms]}. */
    static CompletionStage<Reply> claim(CalmNode node, Connection connection, Command command) {
        try {
            Bytes owner = ownerArgument(command, 3);
            long timeout = TIMEOUT_MILLIS_DEFAULT;
            long lease = 0;
            for (int i = 4; i < command.argumentCount(); i += 2) {
                String option = command.argumentString(i).toUpperCase(Locale.ROOT);
                if (i + 1 >= command.argumentCount()) {
                    throw new KeyspaceException(CommandErrors.SYNTAX);
                }
                switch (option) {
                    case "TIMEOUT" -> timeout = timeoutArgument(command, i + 1);
                    case "LEASE" -> lease = positive(command, i + 1, "LEASE");
                    default -> throw new KeyspaceException(CommandErrors.SYNTAX);
                }
            }
            ClaimRequest request = ClaimRequest.claim(namespace(command), name(command, 2), owner, lease);
            return ask(node, request, timeout, ClaimCommands::statusLine);
        } catch (KeyspaceException refused) {
            return refused(refused);
        }
    }

    /** {@code CLAIM.RELEASE ns name owner [TIMEOUT ms]}: only the owner releases; the name is free at once after. */
    static CompletionStage<Reply> release(CalmNode node, Connection connection, Command command) {
        try {
            Bytes owner = ownerArgument(command, 3);
            long timeout = TIMEOUT_MILLIS_DEFAULT;
            if (command.argumentCount() == 6 && command.argumentString(4).equalsIgnoreCase("TIMEOUT")) {
                timeout = timeoutArgument(command, 5);
            } else if (command.argumentCount() != 4) {
                throw new KeyspaceException(CommandErrors.SYNTAX);
            }
            return ask(node, ClaimRequest.release(namespace(command), name(command, 2), owner), timeout,
                    ClaimCommands::statusLine);
        } catch (KeyspaceException refused) {
            return refused(refused);
        }
    }

    /** {@code CLAIM.STATUS id}: the outcome this region knows of a claim it issued. */
    static CompletionStage<Reply> status(CalmNode node, Connection connection, Command command) {
        String claimId = command.argumentString(1);
        return node.claimStatus(claimId).thenApply(result -> switch (result.outcome()) {
            case PENDING -> Reply.simple("PENDING");
            case UNKNOWN -> Reply.error("ERR no claim " + claimId + " is known at " + node.replica() + " (ask the "
                    + "region that issued it; a restart forgets the claims in flight)");
            default -> statusLine(result);
        }).exceptionally(ClaimCommands::failure);
    }

    /** {@code CLAIM.OWNER ns name}: the owner by this region's replicated facts, nil when none; never a decision. */
    static CompletionStage<Reply> owner(CalmNode node, Connection connection, Command command) {
        try {
            return node.claimOwner(namespace(command), name(command, 2))
                    .thenApply(owner -> owner.map(o -> Reply.bulk(o.toByteArray())).orElse(Reply.nil()))
                    .exceptionally(ClaimCommands::failure);
        } catch (KeyspaceException refused) {
            return refused(refused);
        }
    }

    /** {@code CLAIM.AUTHORITY ns name}: the region that decides the name, and the slot map's epoch. */
    static CompletionStage<Reply> authority(CalmNode node, Connection connection, Command command) {
        try {
            namespace(command);
            ClaimAuthority map = node.claimAuthority();
            return CompletableFuture.completedFuture(Reply.array(
                    Reply.bulk(map.authority(name(command, 2)).name()), Reply.integer(map.epoch())));
        } catch (KeyspaceException refused) {
            return refused(refused);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // The Redis commands that need global absence

    /** True for a {@code SET} with {@code NX}, which the registry's handler sends to {@link #setIfAbsent}. */
    static boolean isSetIfAbsent(Command command) {
        if (!command.name().equals("set")) {
            return false;
        }
        for (int i = 3; i < command.argumentCount(); i++) {
            if (command.argumentString(i).equalsIgnoreCase("NX")) {
                return true;
            }
        }
        return false;
    }

    /** {@code SET key value NX [EX s|PX ms|EXAT s|PXAT ms]}: OK when the key's authority wrote it, nil otherwise. */
    static CompletionStage<Reply> setIfAbsent(CalmNode node, Connection connection, Command command) {
        try {
            ExpiryCommands.StringOptions options = ExpiryCommands.stringOptions(command, 3, true);
            if (options.get) {
                throw new KeyspaceException("ERR SET with both NX and GET is not supported by CalmDB: the key's "
                        + "authority decides NX, and it does not return the old value");
            }
            long lease = 0;
            long deadline = 0;
            if (options.expiryOption != null) {
                boolean relative = options.expiryOption.equals("EX") || options.expiryOption.equals("PX");
                // The authority adds a relative time to its own clock, so the lease ends by the authority's clock.
                long millis = ExpiryCommands.deadline(command, options.expiryOption, options.expiryArgument, 0);
                if (relative) {
                    lease = millis;
                } else {
                    deadline = millis;
                }
            }
            ClaimRequest request = ClaimRequest.setIfAbsent(key(command, 1), Bytes.copyOf(command.argument(2)), lease,
                    deadline);
            return ask(node, request, TIMEOUT_MILLIS_DEFAULT, result -> result.outcome()
                    == ClaimResult.Outcome.ACCEPTED ? Reply.ok() : Reply.nil());
        } catch (KeyspaceException refused) {
            return refused(refused);
        }
    }

    /** {@code SETNX key value}: 1 when the key's authority wrote it, 0 when the key exists there. */
    static CompletionStage<Reply> setNx(CalmNode node, Connection connection, Command command) {
        try {
            ClaimRequest request = ClaimRequest.setIfAbsent(key(command, 1), Bytes.copyOf(command.argument(2)), 0, 0);
            return ask(node, request, TIMEOUT_MILLIS_DEFAULT, ClaimCommands::oneOrZero);
        } catch (KeyspaceException refused) {
            return refused(refused);
        }
    }

    /** {@code HSETNX key field value}: 1 when the key's authority wrote the field, 0 when the field exists there. */
    static CompletionStage<Reply> hashSetNx(CalmNode node, Connection connection, Command command) {
        try {
            ClaimRequest request = ClaimRequest.hashSetIfAbsent(key(command, 1), Bytes.copyOf(command.argument(2)),
                    Bytes.copyOf(command.argument(3)));
            return ask(node, request, TIMEOUT_MILLIS_DEFAULT, ClaimCommands::oneOrZero);
        } catch (KeyspaceException refused) {
            return refused(refused);
        }
    }

    /**
     * {@code MSETNX key value [key value ...]}: 1 when none of the keys exists at their authority and all were
     * written, 0 otherwise. All the keys must have the same authority region (as Redis Cluster requires one slot), so
     * the one authority decides them as one unit; otherwise the reply is a {@code CROSSSLOT} error.
     */
    static CompletionStage<Reply> setManyNx(CalmNode node, Connection connection, Command command) {
        if (command.argumentCount() % 2 == 0) {
            return CompletableFuture.completedFuture(Reply.error(CommandErrors.wrongArity(command.name())));
        }
        try {
            Map<Bytes, Bytes> pairs = new LinkedHashMap<>();
            for (int i = 1; i < command.argumentCount(); i += 2) {
                pairs.put(key(command, i), Bytes.copyOf(command.argument(i + 1)));
            }
            if (pairs.size() > ClaimRequest.KEYS_MAX) {
                throw new KeyspaceException("ERR MSETNX takes at most " + ClaimRequest.KEYS_MAX + " keys");
            }
            return ask(node, ClaimRequest.setManyIfAbsent(pairs), TIMEOUT_MILLIS_DEFAULT, ClaimCommands::oneOrZero);
        } catch (KeyspaceException refused) {
            return refused(refused);
        }
    }

    // ------------------------------------------------------------------------------------------------------

    /** Refuses a key argument of a keyspace command that names a reserved key, so no client forges a claim fact. */
    static void refuseReservedKeys(Command command) throws KeyspaceException {
        var spec = command.spec();
        if (!spec.hasKeys()) {
            return;
        }
        int last = spec.lastKey() < 0 ? command.argumentCount() + spec.lastKey() : spec.lastKey();
        for (int i = spec.firstKey(); i <= last && i < command.argumentCount(); i += Math.max(1, spec.keyStep())) {
            if (Keyspace.isReserved(Bytes.copyOf(command.argument(i)))) {
                throw new KeyspaceException(RESERVED_KEY);
            }
        }
    }

    private static CompletionStage<Reply> ask(CalmNode node, ClaimRequest request, long timeoutMillis,
                                              Function<ClaimResult, Reply> decided) {
        return node.claim(request, timeoutMillis).thenApply(result -> switch (result.outcome()) {
            case PENDING -> Reply.error("PENDING " + result.claimId() + " the authority " + result.authority()
                    + " did not answer within " + timeoutMillis + " ms; the claim stays in flight and CLAIM.STATUS "
                    + result.claimId() + " tells its outcome later");
            case REFUSED -> Reply.error(result.error());
            default -> decided.apply(result);
        }).exceptionally(ClaimCommands::failure);
    }

    private static Reply statusLine(ClaimResult result) {
        return switch (result.outcome()) {
            case REJECTED, NOT_OWNER -> Reply.simple(result.outcome() + " " + printable(result.owner()));
            case REFUSED -> Reply.error(result.error());
            default -> Reply.simple(result.outcome().name());
        };
    }

    private static Reply oneOrZero(ClaimResult result) {
        return Reply.integer(result.outcome() == ClaimResult.Outcome.ACCEPTED ? 1 : 0);
    }

    /** An owner in a status line: CR and LF would end the line, so they are escaped (CLAIM refuses them anyway). */
    private static String printable(Bytes owner) {
        return owner.toUtf8().replace("\r", "\\r").replace("\n", "\\n");
    }

    private static Reply failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof RejectedExecutionException || cause instanceof KeyspaceThread.Busy) {
            return Reply.error(cause.getMessage());
        }
        return Reply.error("ERR the claim failed: " + cause);
    }

    private static CompletionStage<Reply> refused(KeyspaceException refused) {
        return CompletableFuture.completedFuture(Reply.error(refused.getMessage()));
    }

    private static Bytes namespace(Command command) throws KeyspaceException {
        byte[] namespace = command.argument(1);
        if (namespace.length == 0 || namespace.length > ClaimRequest.NAMESPACE_BYTES_MAX) {
            throw new KeyspaceException("ERR a claim namespace takes 1 to " + ClaimRequest.NAMESPACE_BYTES_MAX
                    + " bytes, got " + namespace.length);
        }
        return Bytes.copyOf(namespace);
    }

    private static Bytes name(Command command, int index) {
        return Bytes.copyOf(command.argument(index));
    }

    private static Bytes key(Command command, int index) throws KeyspaceException {
        Bytes key = Bytes.copyOf(command.argument(index));
        if (Keyspace.isReserved(key)) {
            throw new KeyspaceException(RESERVED_KEY);
        }
        return key;
    }

    private static Bytes ownerArgument(Command command, int index) throws KeyspaceException {
        byte[] owner = command.argument(index);
        if (owner.length == 0 || owner.length > OWNER_BYTES_MAX) {
            throw new KeyspaceException("ERR a claim owner takes 1 to " + OWNER_BYTES_MAX + " bytes, got "
                    + owner.length);
        }
        for (byte b : owner) {
            if (b == '\r' || b == '\n') {
                throw new KeyspaceException("ERR a claim owner must not contain CR or LF");
            }
        }
        return Bytes.copyOf(owner);
    }

    private static long timeoutArgument(Command command, int index) throws KeyspaceException {
        long timeout = KeyspaceCommands.integer(command, index);
        if (timeout < 0 || timeout > TIMEOUT_MILLIS_MAX) {
            throw new KeyspaceException("ERR TIMEOUT must be 0 to " + TIMEOUT_MILLIS_MAX + " milliseconds, got "
                    + timeout);
        }
        return timeout;
    }

    private static long positive(Command command, int index, String option) throws KeyspaceException {
        long value = KeyspaceCommands.integer(command, index);
        if (value <= 0) {
            throw new KeyspaceException("ERR " + option + " must be a positive number of milliseconds, got " + value);
        }
        return value;
    }
}
