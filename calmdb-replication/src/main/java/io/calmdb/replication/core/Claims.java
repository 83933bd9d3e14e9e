package io.calmdb.replication.core;

import io.calmdb.crdt.ByteWriter;
import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.CodecException;
import io.calmdb.crdt.Codecs;
import io.calmdb.crdt.OrMap;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.claim.ClaimAuthority;
import io.calmdb.replication.claim.ClaimFact;
import io.calmdb.replication.claim.ClaimRequest;
import io.calmdb.replication.claim.ClaimResult;
import io.calmdb.replication.claim.ClaimResult.Outcome;
import io.calmdb.replication.keyspace.KeyValue;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Uniqueness by allocation, the replica core's claim protocol (issue 8; seed 003). Each name has one authority
 * ({@link ClaimAuthority}); only the authority decides, against its own state and its own clock, and its decision
 * is logged with a forced sync before anyone hears it. Elsewhere a claim is routed to the authority and resent until
 * a decision arrives; a client that cannot wait longer is told PENDING with the claim's id and may ask for its
 * status later. A region that is not the authority never produces a decision: it relays the authority's, and drops a
 * "decision" that does not come from the name's authority.
 *
 * <p>Accepted claims are {@link ClaimFact}s under reserved keys, replicated like any write, so every region answers
 * who owns a name from its own state. A resent request is recognised by its claim id: first in a bounded memory of
 * recent decisions, then, after a restart, in the fact itself (a claim's id, a release's id). A key claim
 * ({@code SET NX} and relatives) is decided on the key itself at the authority: accepted when the key (the hash
 * field) is absent there at the authority's time, in which case the authority writes the value, its deadline and the
 * fact in one delta, which the requester joins before it answers, so its client reads what it was told was set.
 *
 * <p>Not thread-safe: the core's one driver thread calls it.
 */
final class Claims {
    /** The most claims one region keeps in flight to other regions' authorities. */
    static final int PENDING_CLAIMS_MAX = 100_000;
    /** Recent outcomes kept for {@code CLAIM.STATUS} and resent requests, per region. */
    static final int OUTCOMES_REMEMBERED_MAX = 100_000;
    /** How often an undecided claim is sent again to its authority, in milliseconds. */
    static final long RESEND_MILLIS = 200;

    /** The core's services the protocol uses: commit a delta with a forced sync, join one from the authority. */
    interface Host {
        /** Commits {@code delta} (applied already) to be synced before it is reported durable; returns its sequence. */
        long commitSynced(OrMap<Bytes, KeyValue> delta);

        long lastLocalSequence();

        long durableLocalSequence();

        /** How many broadcasts of {@code origin} the causal stream delivered here. */
        long deliveredFrom(ReplicaId origin);

        void countMalformed(String note);
    }

    /** A claim sent to its authority; {@code answered} once its client heard PENDING or the decision. */
    private static final class Pending {
        final String claimId;
        final ClaimRequest request;
        final ReplicaId authority;
        final long ticket;
        final long answerByMillis;
        boolean answered;

        Pending(String claimId, ClaimRequest request, ReplicaId authority, long ticket, long answerByMillis) {
            this.claimId = claimId;
            this.request = request;
            this.authority = authority;
            this.ticket = ticket;
            this.answerByMillis = answerByMillis;
        }
    }

    /** A decision waiting for its log record (and every earlier one) to be durable before anyone hears it. */
    private record Undelivered(long sequence, ReplicaId requester, long ticket, ClaimResult result,
            long writeSequence) {}

    private record Remembered(ClaimResult result, long writeSequence) {}

    /** A decision that reached this requester before the authority's write did. */
    private record Arrived(Pending claim, ClaimResult result, long writeSequence) {}

    private final ReplicaId self;
    private final Keyspace keyspace;
    private final ReplicaEffects effects;
    private final Host host;
    private final ClaimAuthority authority;
    private final String idPrefix;
    private long nextId;

    private final Map<String, Pending> pending = new LinkedHashMap<>();
    /** Pending claims by when their client must hear PENDING at the latest. */
    private final java.util.PriorityQueue<Pending> answerDue = new java.util.PriorityQueue<>(
            java.util.Comparator.comparingLong(waiting -> waiting.answerByMillis));
    private final Map<String, Long> nextSendAtMillis = new LinkedHashMap<>();
    private final ArrayDeque<Undelivered> undelivered = new ArrayDeque<>();
    /** Decided claims whose client waits for the authority's write to be delivered here, by claim id. */
    private final Map<String, Arrived> arrived = new LinkedHashMap<>();
    private final Map<String, Remembered> outcomes = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Remembered> eldest) {
            return size() > OUTCOMES_REMEMBERED_MAX;
        }
    };

    // Counters.
    private long decided;
    private long accepted;
    private long routed;
    private long answeredPending;
    private long resent;
    private long misdirectedDecisions;

    Claims(ReplicaId self, List<ReplicaId> everyone, Keyspace keyspace, ReplicaEffects effects, Host host,
            long startMillis) {
        this.self = self;
        this.keyspace = keyspace;
        this.effects = effects;
        this.host = host;
        this.authority = ClaimAuthority.initial(everyone);
        // The start time makes ids unique across restarts: a restarted region must not reuse an id the authority
        // already decided, or its resend would be taken for the old claim.
        this.idPrefix = self.name() + "-" + startMillis + "-";
        // A key claim's lease ends by its authority's clock: only the authority's expiry removes a claimed key.
        keyspace.restrictActiveExpiry(key -> authority.authority(key).equals(self)
                || keyspace.readReserved(factKey(ClaimRequest.KEY_NAMESPACE, key)).isEmpty());
    }

    ClaimAuthority authority() {
        return authority;
    }

    // ------------------------------------------------------------------------------------------------------
    // Inputs

    String claim(long ticket, ClaimRequest request, long timeoutMillis, long nowMillis) {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("timeoutMillis must be >= 0, got " + timeoutMillis);
        }
        String claimId = idPrefix + ++nextId;
        ReplicaId decider = authority.authority(request.name());
        String crossSlot = crossAuthority(request, decider);
        if (crossSlot != null) {
            answerLocal(ticket, ClaimResult.refused(claimId, decider, authority.epoch(), crossSlot));
            return claimId;
        }
        if (decider.equals(self)) {
            decide(claimId, request, null, ticket, nowMillis);
            return claimId;
        }
        if (pending.size() >= PENDING_CLAIMS_MAX) {
            answerLocal(ticket, ClaimResult.refused(claimId, decider, authority.epoch(), "ERR " + PENDING_CLAIMS_MAX
                    + " claims are already waiting for their authorities at " + self + "; retry later"));
            return claimId;
        }
        Pending waiting = new Pending(claimId, request, decider, ticket, nowMillis + timeoutMillis);
        pending.put(claimId, waiting);
        answerDue.add(waiting);
        routed++;
        send(waiting, nowMillis);
        return claimId;
    }

    ClaimResult status(String claimId) {
        Pending waiting = pending.get(claimId);
        if (waiting != null) {
            return ClaimResult.undecided(claimId, Outcome.PENDING, waiting.authority, authority.epoch());
        }
        Remembered remembered = outcomes.get(claimId);
        if (remembered != null) {
            return remembered.result();
        }
        return ClaimResult.undecided(claimId, Outcome.UNKNOWN, self, authority.epoch());
    }

    /** The owner this region's replicated facts show for {@code name}, judged at the keyspace's task time. */
    Optional<Bytes> owner(Bytes namespace, Bytes name) {
        ClaimFact fact = fact(factKey(namespace, name));
        if (fact == null || !fact.holdsAt(keyspace.taskTimeMillis())) {
            return Optional.empty();
        }
        if (namespace.equals(ClaimRequest.KEY_NAMESPACE) && !keyspace.exists(name)) {
            // A key claim lasts as long as its key: DEL, or the key's expiry, ends it.
            return Optional.empty();
        }
        return Optional.of(fact.owner());
    }

    void onRequest(ReplicaId from, ReplicationMessage.ClaimRequestMessage message, long nowMillis) {
        decide(message.claimId(), message.request(), from, 0, nowMillis);
    }

    void onDecision(ReplicaId from, ReplicationMessage.ClaimDecisionMessage message, long nowMillis) {
        ClaimResult result = message.result();
        Pending waiting = pending.get(result.claimId());
        if (waiting == null) {
            return;
        }
        if (!from.equals(waiting.authority) || !result.authority().equals(waiting.authority)) {
            // Only the name's authority decides; anything else is a bug or a forgery, and is not relayed.
            misdirectedDecisions++;
            host.countMalformed("dropping a decision on claim " + result.claimId() + " from " + from
                    + ", which is not its authority " + waiting.authority);
            return;
        }
        pending.remove(result.claimId());
        nextSendAtMillis.remove(result.claimId());
        outcomes.put(result.claimId(), new Remembered(result, message.sequence()));
        if (!waiting.answered && message.sequence() > host.deliveredFrom(waiting.authority)) {
            // Answered once the write is delivered here (or at the client's deadline, whichever comes first).
            arrived.put(result.claimId(), new Arrived(waiting, result, message.sequence()));
            return;
        }
        answerDecided(waiting, result);
    }

    /** The causal stream delivered more: clients whose decision's write is now here hear it. */
    void deliveredAdvanced() {
        if (arrived.isEmpty()) {
            return;
        }
        for (Iterator<Arrived> it = arrived.values().iterator(); it.hasNext(); ) {
            Arrived ready = it.next();
            if (ready.writeSequence() <= host.deliveredFrom(ready.claim().authority)) {
                it.remove();
                answerDecided(ready.claim(), ready.result());
            }
        }
    }

    private void answerDecided(Pending waiting, ClaimResult result) {
        if (!waiting.answered) {
            waiting.answered = true;
            effects.claimAnswered(waiting.ticket, result);
        }
    }

    /** The log reports local records through {@code sequence} durable: decisions logged by then may be told. */
    void durableThrough(long sequence) {
        while (!undelivered.isEmpty() && undelivered.peekFirst().sequence() <= sequence) {
            Undelivered ready = undelivered.pollFirst();
            tell(ready);
        }
    }

    void tick(long nowMillis) {
        while (!answerDue.isEmpty() && answerDue.peek().answerByMillis <= nowMillis) {
            Pending first = answerDue.poll();
            Arrived decided = arrived.remove(first.claimId);
            if (decided != null) {
                // The decision is known; its write is still on its way here. The client hears the decision.
                answerDecided(first, decided.result());
            } else if (!first.answered) {
                first.answered = true;
                answeredPending++;
                effects.claimAnswered(first.ticket, ClaimResult.undecided(first.claimId, Outcome.PENDING,
                        first.authority, authority.epoch()));
            }
        }
        resendDue(nowMillis);
    }

    /** The link to {@code peer} came up: every claim waiting for it as authority goes again now. */
    void peerConnected(ReplicaId peer, long nowMillis) {
        List<Pending> again = new ArrayList<>();
        for (Pending waiting : pending.values()) {
            if (waiting.authority.equals(peer)) {
                again.add(waiting);
            }
        }
        for (Pending waiting : again) {
            nextSendAtMillis.remove(waiting.claimId);
            send(waiting, nowMillis);
        }
    }

    Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("claims_epoch", authority.epoch());
        status.put("claims_decided", decided);
        status.put("claims_accepted", accepted);
        status.put("claims_routed", routed);
        status.put("claims_pending", pending.size());
        status.put("claims_answered_pending", answeredPending);
        status.put("claims_resent", resent);
        status.put("claims_misdirected_decisions", misdirectedDecisions);
        return status;
    }

    /** True when {@code delta} touches a key that a key claim holds (a claim fact names it). */
    boolean touchesClaimedKeys(OrMap<Bytes, KeyValue> delta) {
        for (Bytes key : delta.touchedKeys()) {
            if (!Keyspace.isReserved(key) && keyspace.readReserved(factKey(ClaimRequest.KEY_NAMESPACE, key)).isPresent()) {
                return true;
            }
        }
        return false;
    }

    int pendingCount() {
        return pending.size();
    }

    // ------------------------------------------------------------------------------------------------------
    // Routing

    private void resendDue(long nowMillis) {
        List<String> due = new ArrayList<>();
        for (Map.Entry<String, Long> entry : nextSendAtMillis.entrySet()) {
            if (entry.getValue() > nowMillis) {
                break;
            }
            due.add(entry.getKey());
        }
        for (String claimId : due) {
            nextSendAtMillis.remove(claimId);
            Pending waiting = pending.get(claimId);
            if (waiting != null) {
                resent++;
                send(waiting, nowMillis);
            }
        }
    }

    private void send(Pending waiting, long nowMillis) {
        effects.send(waiting.authority, ReplicationMessage.encode(new ReplicationMessage.ClaimRequestMessage(
                waiting.claimId, authority.epoch(), waiting.request)));
        // Re-inserted at the end, so the map stays ordered by when each claim is next due.
        nextSendAtMillis.remove(waiting.claimId);
        nextSendAtMillis.put(waiting.claimId, nowMillis + RESEND_MILLIS);
    }

    private String crossAuthority(ClaimRequest request, ReplicaId decider) {
        for (Bytes key : request.keys()) {
            if (!authority.authority(key).equals(decider)) {
                return "CROSSSLOT Keys in request don't hash to the same authority region (" + key + " belongs to "
                        + authority.authority(key) + ", " + request.name() + " to " + decider + ")";
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------------
    // Deciding (the authority only)

    private void decide(String claimId, ClaimRequest request, ReplicaId requester, long ticket, long nowMillis) {
        Remembered remembered = outcomes.get(claimId);
        if (remembered != null && remembered.result().outcome().decided()) {
            // A resend of a claim already decided: the same answer, once what it rests on is durable.
            hold(new Undelivered(host.lastLocalSequence(), requester, ticket, remembered.result(),
                    remembered.writeSequence()));
            return;
        }
        ReplicaId decider = authority.authority(request.name());
        if (!decider.equals(self) || crossAuthority(request, decider) != null) {
            tell(new Undelivered(0, requester, ticket, ClaimResult.refused(claimId, decider, authority.epoch(),
                    "ERR " + self + " is not the authority of " + request.name() + " at epoch " + authority.epoch()),
                    0));
            return;
        }
        keyspace.setTaskTime(nowMillis);
        Decision decision;
        try {
            decision = switch (request.kind()) {
                case CLAIM -> decideClaim(claimId, request, nowMillis);
                case RELEASE -> decideRelease(claimId, request, nowMillis);
                case SET_IF_ABSENT, HASH_SET_IF_ABSENT, SET_MANY_IF_ABSENT -> decideKeys(claimId, request, nowMillis);
            };
        } catch (KeyspaceException refused) {
            decision = new Decision(ClaimResult.refused(claimId, self, authority.epoch(), refused.getMessage()), null);
        }
        decided++;
        if (decision.result().outcome() == Outcome.ACCEPTED) {
            accepted++;
        }
        long sequence = host.lastLocalSequence();
        long writeSequence = 0;
        if (decision.delta() != null) {
            sequence = host.commitSynced(decision.delta());
            writeSequence = sequence;
        }
        if (decision.result().outcome().decided()) {
            outcomes.put(claimId, new Remembered(decision.result(), writeSequence));
        }
        hold(new Undelivered(sequence, requester, ticket, decision.result(), writeSequence));
    }

    private record Decision(ClaimResult result, OrMap<Bytes, KeyValue> delta) {}

    private Decision decideClaim(String claimId, ClaimRequest request, long nowMillis) {
        Bytes factKey = factKey(request.namespace(), request.name());
        ClaimFact fact = fact(factKey);
        if (fact != null && fact.claimId().equals(claimId)) {
            return new Decision(accepted(claimId, fact), null);
        }
        long deadline = request.leaseMillis() == 0 ? 0 : nowMillis + request.leaseMillis();
        if (fact != null && fact.holdsAt(nowMillis)) {
            if (!fact.owner().equals(request.owner())) {
                return new Decision(decision(claimId, Outcome.REJECTED, fact.owner(), nowMillis, fact.leaseDeadlineMillis()),
                        null);
            }
            if (request.leaseMillis() == 0 && fact.leaseDeadlineMillis() == 0) {
                // The owner claims again what it holds without a lease: nothing changes.
                return new Decision(accepted(claimId, fact), null);
            }
        }
        ClaimFact granted = new ClaimFact(claimId, request.owner(), deadline, nowMillis, false, "");
        return new Decision(accepted(claimId, granted),
                keyspace.writeReserved(factKey, granted.encode(), nowMillis).delta());
    }

    private Decision decideRelease(String releaseId, ClaimRequest request, long nowMillis) {
        Bytes factKey = factKey(request.namespace(), request.name());
        ClaimFact fact = fact(factKey);
        if (fact != null && fact.released() && fact.releaseId().equals(releaseId)) {
            return new Decision(decision(releaseId, Outcome.RELEASED, fact.owner(), fact.decidedAtMillis(), 0), null);
        }
        if (fact == null || !fact.holdsAt(nowMillis) || !fact.owner().equals(request.owner())) {
            Bytes current = fact != null && fact.holdsAt(nowMillis) ? fact.owner() : Bytes.ofUtf8("");
            return new Decision(decision(releaseId, Outcome.NOT_OWNER, current, nowMillis, 0), null);
        }
        ClaimFact released = new ClaimFact(fact.claimId(), fact.owner(), fact.leaseDeadlineMillis(), nowMillis, true,
                releaseId);
        return new Decision(decision(releaseId, Outcome.RELEASED, fact.owner(), nowMillis, 0),
                keyspace.writeReserved(factKey, released.encode(), nowMillis).delta());
    }

    private Decision decideKeys(String claimId, ClaimRequest request, long nowMillis) throws KeyspaceException {
        List<Bytes> factKeys = new ArrayList<>();
        boolean anyPresent = false;
        Bytes holder = Bytes.ofUtf8("");
        if (request.kind() == ClaimRequest.Kind.HASH_SET_IF_ABSENT) {
            Bytes field = request.fields().get(0);
            factKeys.add(factKey(Bytes.ofUtf8("hash"), hashFieldName(request.name(), field)));
            Optional<Bytes> current = keyspace.hashGet(request.name(), field);
            anyPresent = current.isPresent();
            holder = current.orElse(holder);
        } else {
            for (Bytes key : request.keys()) {
                factKeys.add(factKey(ClaimRequest.KEY_NAMESPACE, key));
                if (keyspace.exists(key)) {
                    anyPresent = true;
                    ClaimFact fact = fact(factKeys.get(factKeys.size() - 1));
                    if (fact != null && holder.length() == 0) {
                        holder = fact.owner();
                    }
                }
            }
        }
        ClaimFact first = fact(factKeys.get(0));
        if (first != null && first.claimId().equals(claimId)) {
            return new Decision(accepted(claimId, first), null);
        }
        if (anyPresent) {
            return new Decision(decision(claimId, Outcome.REJECTED, holder, nowMillis, 0), null);
        }
        long deadline = request.deadlineMillis() != 0 ? request.deadlineMillis()
                : request.leaseMillis() == 0 ? 0 : nowMillis + request.leaseMillis();
        OrMap<Bytes, KeyValue> delta = switch (request.kind()) {
            case SET_IF_ABSENT -> keyspace.setString(request.name(), request.owner(), deadline == 0 ? null : deadline,
                    false, false, false, nowMillis).delta();
            case HASH_SET_IF_ABSENT -> keyspace.hashSet(request.name(), Map.of(request.fields().get(0),
                    request.owner()), nowMillis).delta();
            default -> {
                Map<Bytes, Bytes> pairs = new LinkedHashMap<>();
                for (int i = 0; i < request.fields().size(); i += 2) {
                    pairs.put(request.fields().get(i), request.fields().get(i + 1));
                }
                yield keyspace.setMany(pairs, nowMillis).delta();
            }
        };
        ClaimFact granted = new ClaimFact(claimId, request.owner(), deadline, nowMillis, false, "");
        for (Bytes factKey : factKeys) {
            OrMap<Bytes, KeyValue> factDelta = keyspace.writeReserved(factKey, granted.encode(), nowMillis).delta();
            delta = delta == null ? factDelta : delta.merge(factDelta);
        }
        return new Decision(accepted(claimId, granted), delta);
    }

    private ClaimResult accepted(String claimId, ClaimFact fact) {
        return decision(claimId, Outcome.ACCEPTED, fact.owner(), fact.decidedAtMillis(), fact.leaseDeadlineMillis());
    }

    private ClaimResult decision(String claimId, Outcome outcome, Bytes owner, long atMillis, long deadlineMillis) {
        return new ClaimResult(claimId, outcome, owner, self, authority.epoch(), atMillis, deadlineMillis, "");
    }

    private void hold(Undelivered decision) {
        if (decision.sequence() <= host.durableLocalSequence()) {
            tell(decision);
        } else {
            undelivered.addLast(decision);
        }
    }

    private void tell(Undelivered decision) {
        if (decision.requester() == null) {
            answerLocal(decision.ticket(), decision.result());
        } else {
            effects.send(decision.requester(), ReplicationMessage.encode(new ReplicationMessage.ClaimDecisionMessage(
                    decision.result(), decision.writeSequence())));
        }
    }

    private void answerLocal(long ticket, ClaimResult result) {
        if (!outcomes.containsKey(result.claimId())) {
            outcomes.put(result.claimId(), new Remembered(result, 0));
        }
        effects.claimAnswered(ticket, result);
    }

    // ------------------------------------------------------------------------------------------------------
    // Facts

    /** The reserved key of {@code name}'s fact in {@code namespace}: the namespace is length-prefixed. */
    static Bytes factKey(Bytes namespace, Bytes name) {
        ByteWriter out = new ByteWriter();
        out.writeBytes(namespace.toByteArray());
        byte[] prefix = out.toByteArray();
        byte[] nameBytes = name.toByteArray();
        byte[] suffix = new byte[prefix.length + nameBytes.length];
        System.arraycopy(prefix, 0, suffix, 0, prefix.length);
        System.arraycopy(nameBytes, 0, suffix, prefix.length, nameBytes.length);
        return Keyspace.reservedKey("claim:", suffix);
    }

    private static Bytes hashFieldName(Bytes key, Bytes field) {
        ByteWriter out = new ByteWriter();
        out.writeBytes(key.toByteArray());
        out.writeBytes(field.toByteArray());
        return Bytes.copyOf(out.toByteArray());
    }

    private ClaimFact fact(Bytes factKey) {
        Optional<Bytes> stored = keyspace.readReserved(factKey);
        if (stored.isEmpty()) {
            return null;
        }
        try {
            return ClaimFact.decode(stored.get());
        } catch (CodecException e) {
            // Only authorities write facts; one that does not decode came from a broken or hostile peer.
            host.countMalformed("ignoring a claim fact that does not decode: " + e.getMessage());
            return null;
        }
    }
}
