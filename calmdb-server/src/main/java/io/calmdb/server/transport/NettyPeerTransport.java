package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The Netty implementation of {@link PeerTransport}: one acceptor thread, {@link TransportConfig#ioThreads()}
 * event-loop threads shared by every link, NIO sockets (portable to every JVM platform). Each peer's outbound
 * state lives on one event loop (see {@link PeerLink}); the transport itself holds only the shared, concurrent
 * pieces: the partition set, the link table and the listening channel.
 */
final class NettyPeerTransport implements PeerTransport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyPeerTransport.class);
    /** How long {@link #close()} waits for channels to close and for each thread group to stop. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final TransportConfig config;
    private final TransportListener listener;
    private final EventLoopGroup acceptorGroup;
    private final EventLoopGroup ioGroup;
    private final Map<ReplicaId, PeerLink> links;
    private final Set<ReplicaId> partitioned = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong connectionsRejected = new AtomicLong();
    /** The reason of the latest inbound refusal, so that a repeat of it is logged at debug level only. */
    private final AtomicReference<String> lastRefusalReason = new AtomicReference<>();
    private final Random jitter;
    private final WriteBufferWaterMark waterMark;
    private Channel serverChannel;

    private NettyPeerTransport(TransportConfig config, TransportListener listener) {
        this.config = config;
        this.listener = listener;
        String prefix = "calmdb-transport-" + config.self().name();
        this.acceptorGroup = new NioEventLoopGroup(1, new DefaultThreadFactory(prefix + "-accept", true));
        this.ioGroup = new NioEventLoopGroup(config.ioThreads(), new DefaultThreadFactory(prefix + "-io", true));
        this.jitter = new Random(config.jitterSeed());
        int high = config.writeBufferHighWaterMarkBytes();
        this.waterMark = new WriteBufferWaterMark(high / 4, high);
        Map<ReplicaId, PeerLink> table = new TreeMap<>();
        for (PeerConfig peer : config.peers()) {
            table.put(peer.id(), new PeerLink(this, peer, ioGroup.next()));
        }
        this.links = Collections.unmodifiableMap(table);
    }

    static NettyPeerTransport start(TransportConfig config, TransportListener listener) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(listener, "listener");
        NettyPeerTransport transport = new NettyPeerTransport(config, listener);
        try {
            transport.bind();
        } catch (RuntimeException failure) {
            transport.close();
            throw failure;
        }
        for (PeerLink link : transport.links.values()) {
            link.execute(link::connect);
        }
        LOG.atInfo().log(() -> config.self() + ": transport for cluster '" + config.clusterName()
                + "' listening on " + transport.localAddress() + ", peers " + transport.links.keySet());
        return transport;
    }

    private void bind() {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptorGroup, ioGroup)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        FrameDecoder decoder = new FrameDecoder();
                        if (config.serverTls() != null) {
                            channel.pipeline().addLast("tls", config.serverTls().newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast("frames", decoder);
                        channel.pipeline().addLast("link", new InboundHandler(NettyPeerTransport.this, decoder));
                    }
                });
        ChannelFuture binding = bootstrap.bind(config.listenHost(), config.listenPort()).awaitUninterruptibly();
        if (!binding.isSuccess()) {
            throw new UncheckedIOException(new IOException("cannot listen on " + config.listenHost() + ":"
                    + config.listenPort() + ": " + PeerLink.describe(binding.cause()), binding.cause()));
        }
        serverChannel = binding.channel();
    }

    Bootstrap outboundBootstrap(PeerLink link) {
        return new Bootstrap()
                .group(link.loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        config.connectTimeout().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        FrameDecoder decoder = new FrameDecoder();
                        if (config.clientTls() != null) {
                            channel.pipeline().addLast("tls", config.clientTls().newHandler(channel.alloc(),
                                    link.config.host(), link.config.port()));
                        }
                        channel.pipeline().addLast("frames", decoder);
                        channel.pipeline().addLast("link",
                                new OutboundHandler(NettyPeerTransport.this, link, decoder));
                    }
                });
    }

    IdleStateHandler idleStateHandler() {
        return new IdleStateHandler(config.idleTimeout().toNanos(), config.heartbeatInterval().toNanos(), 0,
                TimeUnit.NANOSECONDS);
    }

    /**
     * The delay before reconnection attempt {@code failedAttempts + 1}: exponential from the minimum, capped at
     * the maximum, with "equal jitter" (half fixed, half uniform) so that nodes restarted together do not dial
     * in lock-step, while the delay never drops below half its exponential value.
     */
    long backoffNanos(int failedAttempts) {
        long min = config.reconnectBackoffMin().toNanos();
        long max = config.reconnectBackoffMax().toNanos();
        long exponential = failedAttempts >= 30 ? max : Math.min(max, min << failedAttempts);
        if (exponential <= 0) {
            exponential = max;
        }
        long half = exponential / 2;
        return half + (long) (jitter.nextDouble() * (exponential - half));
    }

    TransportConfig config() {
        return config;
    }

    PeerLink link(ReplicaId peer) {
        return links.get(peer);
    }

    boolean isClosed() {
        return closed.get();
    }

    boolean isPartitioned(ReplicaId peer) {
        return partitioned.contains(peer);
    }

    /**
     * Whether the TLS peer of {@code channel} presented a certificate naming {@code region} (its subject CN or a DNS
     * subject alternative name); true when the link has no TLS.
     */
    static boolean certificateNames(io.netty.channel.Channel channel, io.calmdb.crdt.ReplicaId region) {
        io.netty.handler.ssl.SslHandler tls = channel.pipeline().get(io.netty.handler.ssl.SslHandler.class);
        if (tls == null) {
            return true;
        }
        try {
            java.security.cert.Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof java.security.cert.X509Certificate certificate)) {
                return false;
            }
            java.util.Collection<java.util.List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (java.util.List<?> name : alternatives) {
                    if (Integer.valueOf(2).equals(name.get(0)) && region.name().equals(name.get(1))) {
                        return true;
                    }
                }
            }
            javax.naming.ldap.LdapName subject = new javax.naming.ldap.LdapName(
                    certificate.getSubjectX500Principal().getName());
            for (javax.naming.ldap.Rdn part : subject.getRdns()) {
                if (part.getType().equalsIgnoreCase("CN") && region.name().equals(String.valueOf(part.getValue()))) {
                    return true;
                }
            }
            return false;
        } catch (javax.net.ssl.SSLPeerUnverifiedException | java.security.cert.CertificateParsingException
                | javax.naming.InvalidNameException unverified) {
            return false;
        }
    }

    /** Nonces of the handshake: unpredictable, so a recorded proof cannot be replayed. */
    static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private final java.util.concurrent.atomic.AtomicLong authenticationFailures = new java.util.concurrent.atomic.AtomicLong();

    /** A dialer that could not prove the cluster secret (issue 11). */
    void countAuthenticationFailure() {
        authenticationFailures.incrementAndGet();
    }

    /** How many dialers failed to prove the cluster secret since start. */
    public long authenticationFailures() {
        return authenticationFailures.get();
    }

    void countRejectedConnection() {
        connectionsRejected.incrementAndGet();
    }

    /**
     * The level to log an inbound refusal at: a misconfigured peer redials every few seconds for as long as it
     * runs, and the same refusal each time would fill the log, so only a change of reason is a warning. The
     * count is in {@link TransportSnapshot#connectionsRejected()} and the peer's own link shows the reason.
     */
    Level refusalLogLevel(String reason) {
        return reason.equals(lastRefusalReason.getAndSet(reason)) ? Level.DEBUG : Level.WARN;
    }

    void peerReachable(PeerLink link) {
        link.execute(link::onPeerReachable);
    }

    void deliver(ReplicaId from, byte[] message) {
        try {
            listener.onMessage(from, message);
        } catch (RuntimeException failure) {
            LOG.error("{}: listener failed on a message from {}", config.self(), from, failure);
        }
    }

    void notifyStateChanged(ReplicaId peer, LinkState state) {
        try {
            listener.onLinkStateChanged(peer, state);
        } catch (RuntimeException failure) {
            LOG.error("{}: listener failed on link state {}", config.self(), state, failure);
        }
    }

    private PeerLink requireLink(ReplicaId peer) {
        Objects.requireNonNull(peer, "peer");
        PeerLink link = links.get(peer);
        if (link == null) {
            throw new IllegalArgumentException("peer " + peer + " is not configured; known peers: " + links.keySet());
        }
        return link;
    }

    @Override
    public ReplicaId self() {
        return config.self();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public boolean send(ReplicaId peer, byte[] message) {
        PeerLink link = requireLink(peer);
        Objects.requireNonNull(message, "message");
        // A message longer than messageBytesMax is refused by the link, not thrown: the causal stream retries
        // what it sent, and an exception per retry would abort its tick and flood the log.
        return link.send(message);
    }

    @Override
    public boolean isWritable(ReplicaId peer) {
        return requireLink(peer).isWritable();
    }

    @Override
    public void partition(Set<ReplicaId> peers) {
        Objects.requireNonNull(peers, "peers");
        List<PeerLink> targets = new ArrayList<>();
        for (ReplicaId peer : peers) {
            targets.add(requireLink(peer));
        }
        for (PeerLink link : targets) {
            if (!partitioned.add(link.peer)) {
                continue;
            }
            LOG.atWarn().log(() -> config.self() + ": partitioned from " + link.peer + " administratively");
            link.execute(link::partition);
            Channel inbound = link.inbound.getAndSet(null);
            if (inbound != null) {
                inbound.close();
            }
        }
    }

    @Override
    public void heal(Set<ReplicaId> peers) {
        Objects.requireNonNull(peers, "peers");
        List<PeerLink> targets = new ArrayList<>();
        for (ReplicaId peer : peers) {
            targets.add(requireLink(peer));
        }
        for (PeerLink link : targets) {
            if (partitioned.remove(link.peer)) {
                LOG.atInfo().log(() -> config.self() + ": healed the partition from " + link.peer);
                link.execute(link::heal);
            }
        }
    }

    @Override
    public void heal() {
        heal(Set.copyOf(partitioned));
    }

    @Override
    public Set<ReplicaId> partitioned() {
        return Collections.unmodifiableSet(new TreeSet<>(partitioned));
    }

    @Override
    public void setOneWayLatency(ReplicaId peer, Duration latency) {
        PeerLink link = requireLink(peer);
        PeerConfig.checkLatency(latency);
        link.setOneWayLatency(latency);
    }

    @Override
    public TransportSnapshot snapshot() {
        List<LinkSnapshot> linkSnapshots = new ArrayList<>();
        for (PeerLink link : links.values()) {
            linkSnapshots.add(link.snapshot());
        }
        InetSocketAddress address = serverChannel != null ? localAddress()
                : new InetSocketAddress(config.listenHost(), config.listenPort());
        return new TransportSnapshot(config.self(), config.clusterName(), address, partitioned(),
                connectionsRejected.get(), linkSnapshots);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<ChannelFuture> closing = new ArrayList<>();
        if (serverChannel != null) {
            closing.add(serverChannel.close());
        }
        for (PeerLink link : links.values()) {
            link.execute(link::shutdown);
            Channel inbound = link.inbound.getAndSet(null);
            if (inbound != null) {
                closing.add(inbound.close());
            }
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (ChannelFuture future : closing) {
            future.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        // A zero quiet period: nothing is expected to arrive once the channels are closed.
        ioGroup.shutdownGracefully(0, CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        acceptorGroup.shutdownGracefully(0, CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        boolean stopped = ioGroup.terminationFuture().awaitUninterruptibly(CLOSE_WAIT.toMillis())
                & acceptorGroup.terminationFuture().awaitUninterruptibly(CLOSE_WAIT.toMillis());
        if (!stopped) {
            LOG.atWarn().log(() -> config.self() + ": transport threads did not stop within " + CLOSE_WAIT);
        }
        LOG.atInfo().log(() -> config.self() + ": transport closed");
    }
}
