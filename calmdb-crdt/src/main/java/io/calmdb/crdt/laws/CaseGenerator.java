package io.calmdb.crdt.laws;

import io.calmdb.crdt.Crdt;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds one random case from its seed while running it, because the next operation may depend on the state
 * (remove an element that is present). The mix of steps imitates an unreliable network: deltas are delivered
 * late and in any order, some twice, some only in the final drain, and now and then a replica ships its whole
 * state as anti-entropy would.
 */
final class CaseGenerator {
    /** Percent of steps that issue an operation (the first step always does). */
    static final int OPERATE_PERCENT = 45;
    /** Percent of steps, cumulative with the above, that deliver a delta not yet delivered to its target. */
    static final int DELIVER_PENDING_PERCENT_CUMULATIVE = 80;
    /** Percent of steps, cumulative, that deliver a random delta to a random replica: duplicates and repeats. */
    static final int DELIVER_ANY_PERCENT_CUMULATIVE = 90;
    // The remaining steps merge one replica's full state into another.

    /** Percent of cases that deliver deltas in causal order, as CalmDB's causal broadcast does; only these
     * consult the oracle. The others deliver deltas in any order and check convergence and the lattice laws. */
    static final int CAUSAL_CASES_PERCENT = 50;

    private CaseGenerator() {}

    /** The steps of a case (up to the first failure) and how running them ended. */
    record Outcome<O>(int replicaCount, boolean causalDelivery, List<Step<O>> steps, Failure failure,
            List<String> trace, int operationsAccepted, int operationsRefused) {}

    static <T extends Crdt<T>, O> Outcome<O> generate(CrdtModel<T, O> model, LawConfig config, long caseSeed) {
        SplittableRandom random = new SplittableRandom(caseSeed);
        int replicaCount = config.replicasMin() + random.nextInt(config.replicasMax() - config.replicasMin() + 1);
        int stepCount = 1 + random.nextInt(config.stepsMax());
        boolean causalDelivery = random.nextInt(100) < CAUSAL_CASES_PERCENT;
        CaseRun<T, O> run = new CaseRun<>(model, replicaCount, causalDelivery, false);
        List<Step<O>> steps = new ArrayList<>();
        List<Integer> acceptedEvents = new ArrayList<>();
        int nextEventId = 1;
        for (int i = 0; i < stepCount; i++) {
            Step<O> step = nextStep(model, run, random, acceptedEvents, nextEventId, caseSeed);
            steps.add(step);
            Failure failure = run.execute(step, steps.size() - 1);
            if (failure != null) {
                return outcome(replicaCount, steps, failure, run);
            }
            if (step instanceof Step.Operate<O> operate) {
                nextEventId++;
                if (run.hasEvent(operate.eventId())) {
                    acceptedEvents.add(operate.eventId());
                }
            }
        }
        // The drain delivers what is still outstanding in random order; each pick is among the deliveries allowed
        // now, and under causal delivery one always is: the oldest event a replica lacks has its past there.
        while (true) {
            List<Long> deliverable = run.deliverableNow();
            if (deliverable.isEmpty()) {
                break;
            }
            long key = deliverable.get(random.nextInt(deliverable.size()));
            Step<O> step = new Step.Deliver<>(CaseRun.deliveryEvent(key), CaseRun.deliveryTarget(key));
            steps.add(step);
            Failure failure = run.execute(step, steps.size() - 1);
            if (failure != null) {
                return outcome(replicaCount, steps, failure, run);
            }
        }
        return outcome(replicaCount, steps, run.finish(steps.size()), run);
    }

    /** Runs fixed steps, then the final drain, with no randomness: the replay used by shrinking and reports. */
    static <T extends Crdt<T>, O> Outcome<O> run(CrdtModel<T, O> model, int replicaCount, boolean causalDelivery,
            List<Step<O>> steps, boolean tracing) {
        CaseRun<T, O> run = new CaseRun<>(model, replicaCount, causalDelivery, tracing);
        for (int i = 0; i < steps.size(); i++) {
            Failure failure = run.execute(steps.get(i), i);
            if (failure != null) {
                return outcome(replicaCount, steps, failure, run);
            }
        }
        return outcome(replicaCount, steps, run.finish(steps.size()), run);
    }

    private static <T extends Crdt<T>, O> Outcome<O> outcome(int replicaCount, List<Step<O>> steps, Failure failure,
            CaseRun<T, O> run) {
        return new Outcome<>(replicaCount, run.causalDelivery(), steps, failure, run.trace(),
                run.operationsAccepted(), run.operationsRefused());
    }

    private static <T extends Crdt<T>, O> Step<O> nextStep(CrdtModel<T, O> model, CaseRun<T, O> run,
            SplittableRandom random, List<Integer> acceptedEvents, int nextEventId, long caseSeed) {
        int replicaCount = run.replicaCount();
        int roll = random.nextInt(100);
        if (acceptedEvents.isEmpty() || roll < OPERATE_PERCENT) {
            int replica = random.nextInt(replicaCount);
            O operation;
            try {
                operation = model.randomOperation(random, run.replica(replica), run.state(replica));
            } catch (RuntimeException e) {
                throw new IllegalStateException("model " + model.name() + ": randomOperation threw in the case with seed "
                        + LawChecker.seedLiteral(caseSeed), e);
            }
            if (operation == null) {
                throw new IllegalStateException("model " + model.name() + ": randomOperation returned null in the case"
                        + " with seed " + LawChecker.seedLiteral(caseSeed));
            }
            return new Step.Operate<>(nextEventId, replica, operation);
        }
        List<Long> pending = run.deliverableNow();
        if (roll < DELIVER_PENDING_PERCENT_CUMULATIVE && !pending.isEmpty()) {
            long key = pending.get(random.nextInt(pending.size()));
            return new Step.Deliver<>(CaseRun.deliveryEvent(key), CaseRun.deliveryTarget(key));
        }
        if (roll < DELIVER_ANY_PERCENT_CUMULATIVE) {
            int eventId = acceptedEvents.get(random.nextInt(acceptedEvents.size()));
            int origin = run.origin(eventId);
            int target = (origin + 1 + random.nextInt(replicaCount - 1)) % replicaCount;
            if (run.isReady(eventId, target)) {
                return new Step.Deliver<>(eventId, target);
            }
        }
        int source = random.nextInt(replicaCount);
        int target = (source + 1 + random.nextInt(replicaCount - 1)) % replicaCount;
        return new Step.MergeState<>(source, target);
    }
}
