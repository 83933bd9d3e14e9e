package io.calmdb.server.resp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * Linux's epoll transport, kept in its own class because its dependency is optional: when the native library or
 * its jar is missing, only this class fails to load, and {@link #isAvailable()} says so instead of the server
 * failing.
 */
final class EpollTransport {
  private EpollTransport() {}

  static boolean isAvailable() {
    try {
      return Epoll.isAvailable();
    } catch (LinkageError missing) {
      return false;
    }
  }

  static EventLoopGroup group(int threads, ThreadFactory threadFactory) {
    return new EpollEventLoopGroup(threads, threadFactory);
  }

  /** True when {@code group} is an epoll group (false, without loading epoll, when epoll is unavailable). */
  static boolean isGroup(EventLoopGroup group) {
    return isAvailable() && group instanceof EpollEventLoopGroup;
  }

  static Class<? extends ServerChannel> serverChannelType() {
    return EpollServerSocketChannel.class;
  }
}
