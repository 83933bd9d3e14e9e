package io.calmdb.replication.broadcast;

import io.calmdb.crdt.Dot;
import io.calmdb.crdt.VersionVector;
import java.util.List;

/**
 * The one wire message of gossip: some rumours, and optionally a summary of what the sender has seen so that the
 * receiver can answer with the rumours the sender lacks. A push carries rumours and no summary; a pull carries only
 * a summary; a push-pull carries both.
 *
 * @param rumours rumours the sender is spreading (at most {@link Gossip#RUMOURS_PER_MESSAGE_MAX})
 * @param seen the sender's contiguous delivered prefix per origin, or {@code null} when no reply is wanted
 * @param <P> the payload type
 */
public record GossipMessage<P>(List<Rumour<P>> rumours, VersionVector seen) {
    /** One broadcast payload travelling by gossip. */
    public record Rumour<P>(Dot id, P payload) {
        public Rumour {
            Require.notNull(id, "id");
        }
    }

    public GossipMessage {
        rumours = List.copyOf(Require.notNull(rumours, "rumours"));
        Require.argument(rumours.size() <= Gossip.RUMOURS_PER_MESSAGE_MAX, "rumours",
                "may hold at most " + Gossip.RUMOURS_PER_MESSAGE_MAX + " rumours, got " + rumours.size());
    }

    /** True when the sender asks for the rumours it lacks. */
    public boolean wantsReply() {
        return seen != null;
    }
}
