package io.calmdb.server.resp;

import io.calmdb.crdt.Bytes;
import io.calmdb.replication.keyspace.GlobPattern;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The pub/sub subscriptions of one front door's connections, and the local delivery of messages to them, with
 * Redis 7.0's replies: {@code SUBSCRIBE} and its relatives answer one {@code subscribe}-style frame per channel, a
 * message reaches a subscriber as a {@code message} (or {@code pmessage}) push, and {@code PUBLISH} counts the
 * subscriptions it reached here. Crossing regions is the replica core's work; this class knows only this node.
 *
 * <p>Messages are not stored: a subscriber gets what is published while it is subscribed. A subscriber that does not
 * read is bounded: once a message would take the bytes waiting to be written to it past
 * {@link #outputBytesMax()} (Redis's {@code client-output-buffer-limit pubsub}, 32 MiB by default), the
 * connection is closed rather than buffered without bound.
 *
 * <p>Thread-safe: the maps are guarded by this object's lock; delivery hands each frame to the subscriber's event
 * loop in the order {@link #publish} was called, so one publisher's messages arrive in its order.
 */
public final class PubSubHub {
  /** Redis's {@code client-output-buffer-limit pubsub} hard limit: 32 MiB waiting for one subscriber. */
  public static final long OUTPUT_BYTES_MAX_DEFAULT = 32L * 1024 * 1024;
  /** Bytes counted per frame besides its channel, pattern and message, for the output bound's estimate. */
  static final int FRAME_OVERHEAD_BYTES = 48;

  private static final Reply MESSAGE = Reply.bulk("message");
  private static final Reply PMESSAGE = Reply.bulk("pmessage");

  private final long outputBytesMax;
  private final Map<Bytes, Set<ClientConnection>> channels = new HashMap<>();
  private final Map<Bytes, PatternSubscribers> patterns = new HashMap<>();
  private long outputLimitDisconnections;

  private static final class PatternSubscribers {
    final GlobPattern glob;
    final Set<ClientConnection> subscribers = new LinkedHashSet<>();

    PatternSubscribers(byte[] pattern) {
      this.glob = GlobPattern.of(pattern);
    }
  }

  PubSubHub(long outputBytesMax) {
    if (outputBytesMax <= 0) {
      throw new IllegalArgumentException("outputBytesMax must be > 0, got " + outputBytesMax);
    }
    this.outputBytesMax = outputBytesMax;
  }

  /** The most bytes that may wait to be written to one subscriber before it is disconnected. */
  public long outputBytesMax() {
    return outputBytesMax;
  }

  // Commands.

  /** {@code SUBSCRIBE channel...}: one {@code subscribe} frame per channel with the connection's count after it. */
  public synchronized Reply subscribe(Connection connection, List<byte[]> names) {
    ClientConnection subscriber = (ClientConnection) connection;
    List<Reply> frames = new ArrayList<>();
    for (byte[] name : names) {
      Bytes channel = Bytes.copyOf(name);
      if (subscriber.subscribedChannels.add(channel)) {
        channels.computeIfAbsent(channel, ignored -> new LinkedHashSet<>()).add(subscriber);
      }
      frames.add(frame("subscribe", Reply.bulk(name), subscriber));
    }
    return Reply.frames(frames);
  }

  /** {@code PSUBSCRIBE pattern...}. */
  public synchronized Reply psubscribe(Connection connection, List<byte[]> names) {
    ClientConnection subscriber = (ClientConnection) connection;
    List<Reply> frames = new ArrayList<>();
    for (byte[] name : names) {
      Bytes pattern = Bytes.copyOf(name);
      if (subscriber.subscribedPatterns.add(pattern)) {
        patterns.computeIfAbsent(pattern, ignored -> new PatternSubscribers(name)).subscribers.add(subscriber);
      }
      frames.add(frame("psubscribe", Reply.bulk(name), subscriber));
    }
    return Reply.frames(frames);
  }

  /**
   * {@code UNSUBSCRIBE [channel...]}: without channels, from every channel the connection has (one frame each, in
   * subscription order; Redis gives its dictionary's order), or a single {@code unsubscribe nil 0} frame when it had
   * none.
   */
  public synchronized Reply unsubscribe(Connection connection, List<byte[]> names) {
    ClientConnection subscriber = (ClientConnection) connection;
    List<byte[]> wanted = names.isEmpty() ? namesOf(subscriber.subscribedChannels) : names;
    if (wanted.isEmpty()) {
      return frame("unsubscribe", Reply.nil(), subscriber);
    }
    List<Reply> frames = new ArrayList<>();
    for (byte[] name : wanted) {
      removeChannel(subscriber, Bytes.copyOf(name));
      frames.add(frame("unsubscribe", Reply.bulk(name), subscriber));
    }
    return Reply.frames(frames);
  }

  /** {@code PUNSUBSCRIBE [pattern...]}, as {@link #unsubscribe} for patterns. */
  public synchronized Reply punsubscribe(Connection connection, List<byte[]> names) {
    ClientConnection subscriber = (ClientConnection) connection;
    List<byte[]> wanted = names.isEmpty() ? namesOf(subscriber.subscribedPatterns) : names;
    if (wanted.isEmpty()) {
      return frame("punsubscribe", Reply.nil(), subscriber);
    }
    List<Reply> frames = new ArrayList<>();
    for (byte[] name : wanted) {
      removePattern(subscriber, Bytes.copyOf(name));
      frames.add(frame("punsubscribe", Reply.bulk(name), subscriber));
    }
    return Reply.frames(frames);
  }

  /**
   * Delivers {@code message} to this node's subscribers of {@code channel} and of every pattern matching it.
   *
   * @return how many subscriptions it reached (a connection subscribed to the channel and to a matching pattern
   *     counts twice, as in Redis)
   */
  public int publish(byte[] channel, byte[] message) {
    List<ClientConnection> direct;
    List<Map.Entry<byte[], List<ClientConnection>>> matched = new ArrayList<>();
    synchronized (this) {
      Set<ClientConnection> subscribers = channels.get(Bytes.copyOf(channel));
      direct = subscribers == null ? List.of() : List.copyOf(subscribers);
      for (Map.Entry<Bytes, PatternSubscribers> entry : patterns.entrySet()) {
        if (entry.getValue().glob.matches(channel)) {
          matched.add(Map.entry(entry.getKey().toByteArray(), List.copyOf(entry.getValue().subscribers)));
        }
      }
    }
    int reached = 0;
    if (!direct.isEmpty()) {
      Reply push = Reply.push(List.of(MESSAGE, Reply.bulk(channel), Reply.bulk(message)));
      long bytes = FRAME_OVERHEAD_BYTES + (long) channel.length + message.length;
      for (ClientConnection subscriber : direct) {
        subscriber.push(push, bytes);
        reached++;
      }
    }
    for (Map.Entry<byte[], List<ClientConnection>> entry : matched) {
      Reply push = Reply.push(List.of(PMESSAGE, Reply.bulk(entry.getKey()), Reply.bulk(channel),
          Reply.bulk(message)));
      long bytes = FRAME_OVERHEAD_BYTES + (long) entry.getKey().length + channel.length + message.length;
      for (ClientConnection subscriber : entry.getValue()) {
        subscriber.push(push, bytes);
        reached++;
      }
    }
    return reached;
  }

  /** {@code PUBSUB CHANNELS [pattern]}: the channels with at least one subscriber here, in byte order. */
  public synchronized List<byte[]> activeChannels(byte[] pattern) {
    GlobPattern glob = pattern == null ? null : GlobPattern.of(pattern);
    List<byte[]> names = new ArrayList<>();
    for (Bytes channel : new TreeMap<>(channels).keySet()) {
      byte[] name = channel.toByteArray();
      if (glob == null || glob.matches(name)) {
        names.add(name);
      }
    }
    return names;
  }

  /** {@code PUBSUB NUMSUB}: the subscribers of {@code channel} here. */
  public synchronized int subscriberCount(byte[] channel) {
    Set<ClientConnection> subscribers = channels.get(Bytes.copyOf(channel));
    return subscribers == null ? 0 : subscribers.size();
  }

  /** {@code PUBSUB NUMPAT}: the distinct patterns subscribed to here. */
  public synchronized int patternCount() {
    return patterns.size();
  }

  /** Subscribers disconnected because their pending output passed {@link #outputBytesMax()}. */
  public synchronized long outputLimitDisconnections() {
    return outputLimitDisconnections;
  }

  // For connections.

  /** Drops every subscription of {@code subscriber}: it closed or was {@code RESET}. */
  synchronized void unsubscribeAll(ClientConnection subscriber) {
    for (Bytes channel : List.copyOf(subscriber.subscribedChannels)) {
      removeChannel(subscriber, channel);
    }
    for (Bytes pattern : List.copyOf(subscriber.subscribedPatterns)) {
      removePattern(subscriber, pattern);
    }
  }

  synchronized void countOutputLimitDisconnection() {
    outputLimitDisconnections++;
  }

  private void removeChannel(ClientConnection subscriber, Bytes channel) {
    if (subscriber.subscribedChannels.remove(channel)) {
      Set<ClientConnection> subscribers = channels.get(channel);
      subscribers.remove(subscriber);
      if (subscribers.isEmpty()) {
        channels.remove(channel);
      }
    }
  }

  private void removePattern(ClientConnection subscriber, Bytes pattern) {
    if (subscriber.subscribedPatterns.remove(pattern)) {
      PatternSubscribers subscribers = patterns.get(pattern);
      subscribers.subscribers.remove(subscriber);
      if (subscribers.subscribers.isEmpty()) {
        patterns.remove(pattern);
      }
    }
  }

  private static List<byte[]> namesOf(Set<Bytes> names) {
    List<byte[]> result = new ArrayList<>();
    names.forEach(name -> result.add(name.toByteArray()));
    return result;
  }

  private static Reply frame(String kind, Reply name, ClientConnection subscriber) {
    return Reply.push(List.of(Reply.bulk(kind), name, Reply.integer(subscriber.subscriptionCount())));
  }
}
