package io.calmdb.replication.core;

/**
 * One pub/sub message: the channel it was published to and its bytes. Bounded by
 * {@link ReplicaCore#publishChannelBytesMax()} and {@link ReplicaCore#publishMessageBytesMax()}; the arrays are the
 * caller's and are not copied, so they must not change afterwards.
 */
public record PublishedMessage(byte[] channel, byte[] message) {
    public PublishedMessage {
        java.util.Objects.requireNonNull(channel, "channel");
        java.util.Objects.requireNonNull(message, "message");
        if (channel.length > ReplicationMessage.PUBLISH_CHANNEL_BYTES_MAX) {
            throw new IllegalArgumentException("channel is " + channel.length + " bytes, more than the "
                    + ReplicationMessage.PUBLISH_CHANNEL_BYTES_MAX + " bytes a pub/sub channel may have");
        }
        if (message.length > ReplicationMessage.PUBLISH_MESSAGE_BYTES_MAX) {
            throw new IllegalArgumentException("message is " + message.length + " bytes, more than the "
                    + ReplicationMessage.PUBLISH_MESSAGE_BYTES_MAX + " bytes a pub/sub message may have");
        }
    }
}
