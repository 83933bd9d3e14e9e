package io.calmdb.sim.cluster;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The sequential model of a cluster workload: every write the clients issued and which of them were acknowledged,
 * and what the converged state must therefore hold. The workload is shaped so that the model is exact where no
 * crash intervened: counters and hash counters only grow (so their value lies between the acknowledged and the
 * issued sums, and equals the issued sum without crashes), every set member and hash field is written by exactly
 * one write, a member is removed only by the region that added it after it saw the add, and every register value is
 * unique (so the winner must be one of the values written). Float counters ({@code INCRBYFLOAT}) only grow by
 * quarters, exact in binary and decimal, so they are checked like counters. Members added to a "moving" set may be
 * renamed away ({@code RENAME} of the whole set to a fresh key) at any region: each must end up in the source or in
 * one of the destinations, never lost, whatever renames and adds ran concurrently.
 */
final class WorkloadModel {
    /** One client write, as the model records it. */
    sealed interface Write {
        record Increment(Bytes key, long amount) implements Write {}

        record HashIncrement(Bytes key, Bytes field, long amount) implements Write {}

        record SetAdd(Bytes key, Bytes member) implements Write {}

        record SetRemove(Bytes key, Bytes member) implements Write {}

        record HashSet(Bytes key, Bytes field, Bytes value) implements Write {}

        record Assign(Bytes key, Bytes value) implements Write {}

        /**
         * A transaction ({@code MULTI}/{@code EXEC}, or a script): hash fields on distinct keys, committed as one
         * unit. Every field is unique to its transaction, so a replica shows a transaction whole exactly when it shows
         * all of its fields or none.
         */
        record Transaction(String id, List<HashSet> parts, long issuedAtMillis) implements Write {}
        /** {@code SET key value PXAT deadline} on an expiring key. */
        record SetExpiring(Bytes key, Bytes value, long deadlineMillis) implements Write {}

        /** {@code PEXPIREAT key deadline} on an expiring key this region sees. */
        record Expire(Bytes key, long deadlineMillis) implements Write {}

        /** {@code PERSIST key} on an expiring key this region sees. */
        record Persist(Bytes key) implements Write {}
        record FloatIncrement(Bytes key, java.math.BigDecimal amount) implements Write {}

        record MovingAdd(Bytes key, Bytes member) implements Write {}

        record Rename(Bytes source, Bytes destination) implements Write {}
    }

    private static final class DecimalSum {
        java.math.BigDecimal issued = java.math.BigDecimal.ZERO;
        java.math.BigDecimal acknowledged = java.math.BigDecimal.ZERO;
    }

    private static final class Sum {
        long issued;
        long acknowledged;
    }

    private final Map<Bytes, Sum> counters = new TreeMap<>();
    private final Map<List<Bytes>, Sum> hashCounters = new HashMap<>();
    private final Map<List<Bytes>, Boolean> membersAdded = new LinkedHashMap<>();
    private final Set<List<Bytes>> membersRemoveIssued = new HashSet<>();
    private final Set<List<Bytes>> membersRemoveAcknowledged = new HashSet<>();
    private final Map<List<Bytes>, Boolean> fieldsSet = new LinkedHashMap<>();
    private final Map<Bytes, Set<Bytes>> assigned = new TreeMap<>();
    private final Set<Bytes> assignedAcknowledged = new HashSet<>();
    // Expiring keys: the values written to each, the keys a PERSIST was issued for, the latest deadline issued.
    private final Map<Bytes, Set<Bytes>> expiringValues = new TreeMap<>();
    private final Set<Bytes> persistIssued = new HashSet<>();
    private long latestDeadlineMillis = Long.MIN_VALUE;
    private final Map<Bytes, DecimalSum> floatCounters = new TreeMap<>();
    private final Map<List<Bytes>, Boolean> movingMembers = new LinkedHashMap<>();
    private final Map<Bytes, Set<Bytes>> renameDestinations = new TreeMap<>();
    private final List<Write.Transaction> transactions = new ArrayList<>();
    private long issued;
    private long acknowledged;
    private long transactionObservations;
    private long partialAfterTransfer;

    void issued(Write write) {
        issued++;
        switch (write) {
            case Write.Increment increment -> counters.computeIfAbsent(increment.key(), k -> new Sum()).issued
                    += increment.amount();
            case Write.HashIncrement increment -> hashCounters.computeIfAbsent(
                    List.of(increment.key(), increment.field()), k -> new Sum()).issued += increment.amount();
            case Write.SetAdd add -> membersAdded.put(List.of(add.key(), add.member()), false);
            case Write.SetRemove remove -> membersRemoveIssued.add(List.of(remove.key(), remove.member()));
            case Write.HashSet set -> fieldsSet.put(List.of(set.key(), set.field()), false);
            case Write.Assign assign -> assigned.computeIfAbsent(assign.key(), k -> new HashSet<>()).add(assign.value());
            case Write.SetExpiring set -> {
                expiringValues.computeIfAbsent(set.key(), k -> new HashSet<>()).add(set.value());
                latestDeadlineMillis = Math.max(latestDeadlineMillis, set.deadlineMillis());
            }
            case Write.Expire expire -> latestDeadlineMillis = Math.max(latestDeadlineMillis, expire.deadlineMillis());
            case Write.Persist persist -> persistIssued.add(persist.key());
            case Write.FloatIncrement increment -> {
                DecimalSum sum = floatCounters.computeIfAbsent(increment.key(), k -> new DecimalSum());
                sum.issued = sum.issued.add(increment.amount());
            }
            case Write.MovingAdd add -> movingMembers.put(List.of(add.key(), add.member()), false);
            case Write.Rename rename -> renameDestinations.computeIfAbsent(rename.source(), k -> new HashSet<>())
                    .add(rename.destination());
            case Write.Transaction transaction -> {
                transactions.add(transaction);
                transaction.parts().forEach(part -> fieldsSet.put(List.of(part.key(), part.field()), false));
            }
        }
    }

    void acknowledged(Write write) {
        acknowledged++;
        switch (write) {
            case Write.Increment increment -> counters.get(increment.key()).acknowledged += increment.amount();
            case Write.HashIncrement increment -> hashCounters.get(List.of(increment.key(), increment.field()))
                    .acknowledged += increment.amount();
            case Write.SetAdd add -> membersAdded.put(List.of(add.key(), add.member()), true);
            case Write.SetRemove remove -> membersRemoveAcknowledged.add(List.of(remove.key(), remove.member()));
            case Write.HashSet set -> fieldsSet.put(List.of(set.key(), set.field()), true);
            case Write.Assign assign -> assignedAcknowledged.add(assign.key());
            case Write.SetExpiring set -> { }
            case Write.Expire expire -> { }
            case Write.Persist persist -> { }
            case Write.FloatIncrement increment -> {
                DecimalSum sum = floatCounters.get(increment.key());
                sum.acknowledged = sum.acknowledged.add(increment.amount());
            }
            case Write.MovingAdd add -> movingMembers.put(List.of(add.key(), add.member()), true);
            case Write.Rename rename -> { }
            case Write.Transaction transaction -> transaction.parts().forEach(
                    part -> fieldsSet.put(List.of(part.key(), part.field()), true));
        }
    }

    /** The latest deadline any client gave, in milliseconds of the replicas' clocks (MIN_VALUE when none). */
    long latestDeadlineMillis() {
        return latestDeadlineMillis;
    }

    /**
     * Checks what a replica's reads answer for the expiring keys at its task time: a key past its resolved deadline
     * is never readable, and a readable key holds a value a client wrote to it. With {@code afterEveryDeadline} (the
     * replica's clock is past every deadline issued and active expiry had time to run) a key no {@code PERSIST} was
     * issued for must be gone, from reads and from memory: every write to it carried a deadline, so no surviving
     * state can lack one.
     */
    List<String> checkExpiring(ReplicaId replica, Keyspace keyspace, boolean afterEveryDeadline) {
        List<String> violations = new ArrayList<>();
        long now = keyspace.taskTimeMillis();
        try {
            for (Map.Entry<Bytes, Set<Bytes>> key : expiringValues.entrySet()) {
                Optional<Bytes> value = keyspace.get(key.getKey());
                io.calmdb.replication.keyspace.KeyValue raw = keyspace.state().get(key.getKey());
                if (value.isPresent() && raw != null && raw.expiredAt(now)) {
                    violations.add(replica + ": " + key.getKey() + " was read at " + now + " past its deadline "
                            + raw.deadline());
                }
                if (value.isPresent() && !key.getValue().contains(value.get())) {
                    violations.add(replica + ": " + key.getKey() + " holds " + value.get() + ", which no client wrote");
                }
                if (afterEveryDeadline && !persistIssued.contains(key.getKey())) {
                    if (value.isPresent()) {
                        violations.add(replica + ": " + key.getKey() + " is readable at " + now
                                + " after every deadline given to it passed");
                    } else if (raw != null) {
                        violations.add(replica + ": " + key.getKey() + " expired but active expiry never reclaimed it");
                    }
                }
            }
        } catch (KeyspaceException e) {
            violations.add(replica + ": reading an expiring key failed: " + e.getMessage());
        }
        return violations;
    }

    /**
     * The atomicity check of transactions, run on a live replica at any moment (mid-partition, just after a restart,
     * converged): every transaction issued so far is visible whole or not at all. Returns one line per transaction
     * seen in part.
     */
    List<String> checkTransactions(ReplicaId replica, Keyspace keyspace, long atMillis, long lastTransferAtMillis) {
        List<String> violations = new ArrayList<>();
        transactionObservations++;
        for (Write.Transaction transaction : transactions) {
            int visible = 0;
            for (Write.HashSet part : transaction.parts()) {
                try {
                    if (keyspace.hashGet(part.key(), part.field()).isPresent()) {
                        visible++;
                    }
                } catch (KeyspaceException e) {
                    violations.add(replica + ": reading transaction " + transaction.id() + " failed: " + e.getMessage());
                }
            }
            if (visible != 0 && visible != transaction.parts().size()) {
                if (lastTransferAtMillis >= transaction.issuedAtMillis()) {
                    // A known gap, counted apart: a state transfer is not a snapshot (its chunks are extracted over
                    // several ticks while writes go on), so it can carry part of a unit committed during it; the
                    // causal stream delivers the rest. See docs/resp.md, "Transactions and scripts".
                    partialAfterTransfer++;
                    continue;
                }
                violations.add(replica + " at " + atMillis + " ms shows " + visible + " of the " + transaction.parts()
                        .size() + " writes of transaction " + transaction.id());
            }
        }
        return violations;
    }

    long transactionsIssued() {
        return transactions.size();
    }

    /** Observations of a transaction in part at a replica that had just applied a state transfer (see above). */
    long partialAfterTransfer() {
        return partialAfterTransfer;
    }

    long transactionObservations() {
        return transactionObservations;
    }

    long issuedCount() {
        return issued;
    }

    long acknowledgedCount() {
        return acknowledged;
    }

    /** What the check of a converged replica found. */
    record Findings(List<String> violations, long lostAcknowledgedWrites) {}

    /**
     * Checks one converged replica's keyspace against the model. {@code exact} is true when no crash happened, so
     * every issued write must be there, acknowledged or not.
     */
    Findings check(ReplicaId replica, Keyspace keyspace, boolean exact) {
        List<String> violations = new ArrayList<>();
        long lost = 0;
        try {
            for (Map.Entry<Bytes, Sum> counter : counters.entrySet()) {
                long value = integer(keyspace.get(counter.getKey()));
                Sum sum = counter.getValue();
                if (value < sum.acknowledged) {
                    lost++;
                    violations.add(replica + ": counter " + counter.getKey() + " is " + value + " but "
                            + sum.acknowledged + " was acknowledged");
                } else if (value > sum.issued || (exact && value != sum.issued)) {
                    violations.add(replica + ": counter " + counter.getKey() + " is " + value + " but " + sum.issued
                            + " was issued" + (exact ? " and no crash lost any" : ""));
                }
            }
            for (Map.Entry<List<Bytes>, Sum> counter : hashCounters.entrySet()) {
                Bytes key = counter.getKey().get(0);
                Bytes field = counter.getKey().get(1);
                long value = integer(keyspace.hashGet(key, field));
                Sum sum = counter.getValue();
                if (value < sum.acknowledged) {
                    lost++;
                    violations.add(replica + ": hash counter " + key + "." + field + " is " + value + " but "
                            + sum.acknowledged + " was acknowledged");
                } else if (value > sum.issued || (exact && value != sum.issued)) {
                    violations.add(replica + ": hash counter " + key + "." + field + " is " + value + " but "
                            + sum.issued + " was issued");
                }
            }
            for (Map.Entry<List<Bytes>, Boolean> member : membersAdded.entrySet()) {
                Bytes key = member.getKey().get(0);
                Bytes element = member.getKey().get(1);
                boolean present = keyspace.setContains(key, element);
                boolean removeIssued = membersRemoveIssued.contains(member.getKey());
                boolean removeAcknowledged = membersRemoveAcknowledged.contains(member.getKey());
                if (!present && !removeIssued && (member.getValue() || exact)) {
                    lost += member.getValue() ? 1 : 0;
                    violations.add(replica + ": set " + key + " lacks " + element + ", added"
                            + (member.getValue() ? " and acknowledged" : "") + " and never removed");
                } else if (present && (removeAcknowledged || (exact && removeIssued))) {
                    lost += removeAcknowledged ? 1 : 0;
                    violations.add(replica + ": set " + key + " still holds " + element + " after its removal"
                            + (removeAcknowledged ? " was acknowledged" : ""));
                }
            }
            for (Map.Entry<List<Bytes>, Boolean> field : fieldsSet.entrySet()) {
                Bytes key = field.getKey().get(0);
                Bytes name = field.getKey().get(1);
                if (keyspace.hashGet(key, name).isEmpty() && (field.getValue() || exact)) {
                    lost += field.getValue() ? 1 : 0;
                    violations.add(replica + ": hash " + key + " lacks field " + name + ", set"
                            + (field.getValue() ? " and acknowledged" : ""));
                }
            }
            for (Map.Entry<Bytes, Set<Bytes>> register : assigned.entrySet()) {
                Optional<Bytes> value = keyspace.get(register.getKey());
                if (value.isEmpty()) {
                    if (assignedAcknowledged.contains(register.getKey()) || exact) {
                        lost++;
                        violations.add(replica + ": register " + register.getKey() + " is empty after acknowledged writes");
                    }
                } else if (!register.getValue().contains(value.get())) {
                    violations.add(replica + ": register " + register.getKey() + " holds " + value.get()
                            + ", which no client wrote");
                }
            }
            for (Map.Entry<Bytes, DecimalSum> counter : floatCounters.entrySet()) {
                java.math.BigDecimal value = keyspace.get(counter.getKey())
                        .map(bytes -> new java.math.BigDecimal(bytes.toUtf8())).orElse(java.math.BigDecimal.ZERO);
                DecimalSum sum = counter.getValue();
                if (value.compareTo(sum.acknowledged) < 0) {
                    lost++;
                    violations.add(replica + ": float counter " + counter.getKey() + " is " + value + " but "
                            + sum.acknowledged + " was acknowledged");
                } else if (value.compareTo(sum.issued) > 0 || (exact && value.compareTo(sum.issued) != 0)) {
                    violations.add(replica + ": float counter " + counter.getKey() + " is " + value + " but "
                            + sum.issued + " was issued");
                }
            }
            for (Map.Entry<List<Bytes>, Boolean> member : movingMembers.entrySet()) {
                Bytes source = member.getKey().get(0);
                Bytes element = member.getKey().get(1);
                boolean found = keyspace.setContains(source, element);
                for (Bytes destination : renameDestinations.getOrDefault(source, Set.of())) {
                    found = found || keyspace.setContains(destination, element);
                }
                if (!found && (member.getValue() || exact)) {
                    lost += member.getValue() ? 1 : 0;
                    violations.add(replica + ": " + element + ", added to " + source + ", is neither there nor in "
                            + "any key it was renamed to");
                }
            }
        } catch (KeyspaceException e) {
            violations.add(replica + ": reading the converged keyspace failed: " + e.getMessage());
        }
        return new Findings(violations, lost);
    }

    private static long integer(Optional<Bytes> value) {
        return value.map(bytes -> Long.parseLong(bytes.toUtf8())).orElse(0L);
    }
}
