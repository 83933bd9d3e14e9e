package io.calmdb.crdt.laws;

import io.calmdb.crdt.Crdt;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Cuts a failing case down to a short history that still fails the same way, in the manner of Zeller's delta
 * debugging ("Simplifying and Isolating Failure-Inducing Input", 2002): try removing chunks of steps, halving the
 * chunk size when nothing can go, until no single step can be removed or the replay budget is spent. Every
 * replay is deterministic, so a removal that keeps the failure is kept for good.
 */
final class Shrinker {
    private Shrinker() {}

    /** The shrunk steps, the failure they produce, and how many replays it took. */
    record Result<O>(List<Step<O>> steps, Failure failure, int replays) {}

    static <T extends Crdt<T>, O> Result<O> shrink(CrdtModel<T, O> model, int replicaCount, boolean causalDelivery,
            List<Step<O>> steps, Failure failure, int replaysMax) {
        List<Step<O>> current = upToFailure(steps, failure);
        Failure currentFailure = failure;
        int replays = 0;
        int chunk = Math.max(1, current.size() / 2);
        while (replays < replaysMax && !current.isEmpty()) {
            boolean removedAny = false;
            int start = 0;
            while (start < current.size() && replays < replaysMax) {
                List<Step<O>> candidate = withoutOrphanDeliveries(without(current, start, chunk));
                replays++;
                Failure candidateFailure = CaseGenerator.run(model, replicaCount, causalDelivery, candidate, false).failure();
                if (candidateFailure != null && candidateFailure.sameKindAs(failure)) {
                    current = upToFailure(candidate, candidateFailure);
                    currentFailure = candidateFailure;
                    removedAny = true;
                } else {
                    start += chunk;
                }
            }
            if (!removedAny) {
                if (chunk == 1) {
                    break;
                }
                chunk = Math.max(1, chunk / 2);
            }
        }
        return new Result<>(current, currentFailure, replays);
    }

    /** The steps up to and including the failing one; steps after it cannot have contributed. */
    private static <O> List<Step<O>> upToFailure(List<Step<O>> steps, Failure failure) {
        int end = Math.min(steps.size(), failure.stepIndex() + 1);
        return new ArrayList<>(steps.subList(0, end));
    }

    private static <O> List<Step<O>> without(List<Step<O>> steps, int start, int count) {
        List<Step<O>> result = new ArrayList<>(steps.subList(0, start));
        result.addAll(steps.subList(Math.min(steps.size(), start + count), steps.size()));
        return result;
    }

    /** Drops deliveries of events whose operation was removed: they are no-ops and would only clutter a report. */
    private static <O> List<Step<O>> withoutOrphanDeliveries(List<Step<O>> steps) {
        Set<Integer> issued = new HashSet<>();
        for (Step<O> step : steps) {
            if (step instanceof Step.Operate<O> operate) {
                issued.add(operate.eventId());
            }
        }
        List<Step<O>> result = new ArrayList<>(steps.size());
        for (Step<O> step : steps) {
            if (!(step instanceof Step.Deliver<O> deliver) || issued.contains(deliver.eventId())) {
                result.add(step);
            }
        }
        return result;
    }
}
