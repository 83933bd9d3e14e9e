package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.VersionVector;
import java.util.List;

/**
 * The wire messages of anti-entropy and of the tree broadcast built on it.
 *
 * @param <P> the payload type
 */
public sealed interface AntiEntropyMessage<P> {
    /** One broadcast payload with its id. */
    record Event<P>(Dot id, P payload) {
        public Event {
            Require.notNull(id, "id");
        }
    }

    /**
     * What the sender has: for each origin, the contiguous prefix of its events. The receiver answers with the
     * events the sender lacks, and, when {@code replyWanted}, with its own digest if it lacks something the sender
     * has, which makes the exchange push-pull.
     */
    record Digest<P>(VersionVector seen, boolean replyWanted) implements AntiEntropyMessage<P> {
        public Digest {
            Require.notNull(seen, "seen");
        }
    }

    /** Events for the receiver: a repair answer to a digest, or a batch pushed down the broadcast tree. */
    record Events<P>(List<Event<P>> events) implements AntiEntropyMessage<P> {
        public Events {
            events = List.copyOf(Require.notNull(events, "events"));
            Require.argument(events.size() <= AntiEntropy.EVENTS_PER_MESSAGE_MAX, "events",
                    "may hold at most " + AntiEntropy.EVENTS_PER_MESSAGE_MAX + " events, got " + events.size());
        }
    }
}
