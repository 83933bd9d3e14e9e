package io.calmdb.server.transport;

import io.calmdb.crdt.ReplicaId;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acceptor's end of a link: authenticates the dialer's hello, answers it, then delivers the dialer's
 * messages to the listener, joining fragment frames with a {@link MessageAssembler} first. Anything unexpected
 * closes the connection with a logged reason; an unauthenticated connection is never answered with more than one
 * small rejection frame. A partial message dies with its connection.
 */
final class InboundHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(InboundHandler.class);

    private final NettyPeerTransport transport;
    private final FrameDecoder decoder;
    private final MessageAssembler assembler;
    private PeerLink link;
    private String closeReason;
    private ScheduledFuture<?> handshakeTimeout;
    /** With a cluster secret: the hello waiting for the dialer's proof, and the nonce we challenged it with. */
    private WireProtocol.Frame pendingHello;
    private byte[] challengeNonce;

    InboundHandler(NettyPeerTransport transport, FrameDecoder decoder) {
        this.transport = transport;
        this.decoder = decoder;
        this.assembler = new MessageAssembler(transport.config().messageBytesMax());
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        TransportConfig config = transport.config();
        handshakeTimeout = context.executor().schedule(
                () -> refuse(context, null, "no handshake within " + config.handshakeTimeout().toMillis() + " ms"),
                config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        context.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        WireProtocol.Frame frame = (WireProtocol.Frame) message;
        if (closeReason != null) {
            return;
        }
        if (link == null) {
            if (pendingHello != null) {
                proof(context, frame);
            } else {
                handshake(context, frame);
            }
            return;
        }
        switch (frame.type()) {
            case WireProtocol.TYPE_DATA -> {
                if (assembler.inProgress()) {
                    close(context, link.peer + " sent a data frame inside a fragmented message ("
                            + assembler.partialFilledBytes() + " of " + assembler.partialMessageBytes() + " bytes)");
                } else {
                    link.bytesReceived.addAndGet(frame.wireBytes());
                    deliver(frame.payload());
                }
            }
            case WireProtocol.TYPE_FRAGMENT_START, WireProtocol.TYPE_FRAGMENT_CONTINUATION -> fragment(context, frame);
            case WireProtocol.TYPE_HEARTBEAT -> link.bytesReceived.addAndGet(frame.wireBytes());
            default -> close(context, link.peer + " sent unexpected frame type " + frame.type());
        }
    }

    /** Feeds a fragment frame to the assembler; a framing violation closes the link and drops the partial. */
    private void fragment(ChannelHandlerContext context, WireProtocol.Frame frame) {
        byte[] message;
        try {
            if (frame.type() == WireProtocol.TYPE_FRAGMENT_START) {
                assembler.start(frame.payload());
                message = null;
            } else {
                message = assembler.continuation(frame.payload());
            }
        } catch (IllegalArgumentException violation) {
            close(context, link.peer + " broke the fragment framing: " + violation.getMessage());
            return;
        }
        link.bytesReceived.addAndGet(frame.wireBytes());
        if (message != null) {
            deliver(message);
        }
    }

    private void deliver(byte[] message) {
        // The partition check per message makes partition() take effect at once, before the close lands here.
        if (transport.isPartitioned(link.peer)) {
            return;
        }
        link.messagesReceived.incrementAndGet();
        transport.deliver(link.peer, message);
    }

    private void handshake(ChannelHandlerContext context, WireProtocol.Frame frame) {
        TransportConfig config = transport.config();
        if (frame.type() != WireProtocol.TYPE_HELLO) {
            refuse(context, null, "expected a handshake, got frame type " + frame.type());
            return;
        }
        WireProtocol.Hello hello;
        try {
            hello = WireProtocol.decodeHello(frame.payload());
        } catch (IllegalArgumentException malformed) {
            refuse(context, null, "malformed handshake: " + malformed.getMessage());
            return;
        }
        if (hello.magic() != WireProtocol.MAGIC) {
            refuse(context, null, "bad magic 0x" + Integer.toHexString(hello.magic()));
            return;
        }
        if (hello.version() != WireProtocol.PROTOCOL_VERSION) {
            reject(context, null, WireProtocol.RejectReason.UNSUPPORTED_VERSION, "protocol version "
                    + hello.version() + " is not supported, this node speaks " + WireProtocol.PROTOCOL_VERSION);
            return;
        }
        byte[] secret = config.clusterSecret();
        if (secret != null) {
            // Nothing about this node is told, and nothing is checked, before the dialer proves the secret.
            pendingHello = frame;
            challengeNonce = new byte[WireProtocol.NONCE_BYTES];
            NettyPeerTransport.RANDOM.nextBytes(challengeNonce);
            context.writeAndFlush(WireProtocol.encodeBytesFrame(context.alloc(), WireProtocol.TYPE_CHALLENGE,
                    challengeNonce, WireProtocol.mac(secret, "calmdb-acceptor", frame.payload(), challengeNonce)));
            return;
        }
        verdict(context, hello, false);
    }

    /** The dialer's answer to the challenge: without the right proof the connection closes unanswered. */
    private void proof(ChannelHandlerContext context, WireProtocol.Frame frame) {
        byte[] expected = WireProtocol.mac(transport.config().clusterSecret(), "calmdb-dialer", pendingHello.payload(),
                challengeNonce);
        if (frame.type() != WireProtocol.TYPE_PROOF
                || !java.security.MessageDigest.isEqual(expected, frame.payload())) {
            transport.countAuthenticationFailure();
            refuse(context, null, "the dialer did not prove the cluster secret (it named itself "
                    + WireProtocol.decodeHello(pendingHello.payload()).sender() + ")");
            return;
        }
        verdict(context, WireProtocol.decodeHello(pendingHello.payload()), true);
    }

    /**
     * Accepts or rejects a hello. The texts a rejection sends name nothing of this node unless the dialer proved
     * the cluster secret; the log keeps the whole reason.
     */
    private void verdict(ChannelHandlerContext context, WireProtocol.Hello hello, boolean proven) {
        TransportConfig config = transport.config();
        this.proven = proven;
        ReplicaId sender = hello.sender();
        if (sender != null && !NettyPeerTransport.certificateNames(context.channel(), sender)) {
            transport.countAuthenticationFailure();
            refuse(context, null, "the dialer claims to be " + sender + " but its TLS certificate does not name it");
            return;
        }
        PeerLink candidate = transport.link(sender);
        // The version was checked in handshake(), before anything else: a hello of another version has no names.
        if (!hello.clusterName().equals(config.clusterName())) {
            reject(context, candidate, WireProtocol.RejectReason.WRONG_CLUSTER, "cluster '" + hello.clusterName()
                    + "' does not match this node's cluster '" + config.clusterName() + "'");
        } else if (sender.equals(config.self())) {
            reject(context, null, WireProtocol.RejectReason.SELF_CONNECTION,
                    "the dialer claims this node's own id " + sender + " (self-connection)");
        } else if (candidate == null) {
            reject(context, null, WireProtocol.RejectReason.UNKNOWN_REPLICA,
                    "replica " + sender + " is not a configured peer of " + config.self());
        } else if (!hello.recipient().equals(config.self())) {
            reject(context, candidate, WireProtocol.RejectReason.WRONG_RECIPIENT,
                    "addressed to " + hello.recipient() + " but this node is " + config.self());
        } else if (transport.isClosed()) {
            reject(context, candidate, WireProtocol.RejectReason.SHUTTING_DOWN, config.self() + " is shutting down");
        } else if (transport.isPartitioned(sender)) {
            reject(context, candidate, WireProtocol.RejectReason.PARTITIONED,
                    config.self() + " has partitioned itself from " + sender + " administratively");
        } else if (!register(candidate, context.channel())) {
            reject(context, candidate, WireProtocol.RejectReason.DUPLICATE_REPLICA,
                    "a link from " + sender + " is already up");
        } else if (transport.isPartitioned(sender)) {
            // partition() may have run between the first check and the registration; it sets the flag before
            // it closes registered channels, so checking again here closes the gap.
            if (candidate.inbound.compareAndSet(context.channel(), null)) {
                candidate.onInboundChanged();
            }
            reject(context, candidate, WireProtocol.RejectReason.PARTITIONED,
                    config.self() + " has partitioned itself from " + sender + " administratively");
        } else {
            link = candidate;
            handshakeTimeout.cancel(false);
            decoder.frameBytesMax(config.frameBytesMax());
            context.pipeline().addFirst("idle", transport.idleStateHandler());
            context.writeAndFlush(WireProtocol.encodeHello(context.alloc(), WireProtocol.TYPE_HELLO_ACCEPT,
                    config.clusterName(), config.self(), sender));
            LOG.atInfo().log(() -> config.self() + ": inbound link from " + sender + " is up ("
                    + context.channel().remoteAddress() + ")");
            transport.peerReachable(candidate);
        }
    }

    /** Registers {@code channel} as the peer's only inbound link; a dead predecessor is replaced. */
    private static boolean register(PeerLink candidate, Channel channel) {
        while (true) {
            Channel existing = candidate.inbound.get();
            if (existing != null && existing.isActive()) {
                return false;
            }
            if (candidate.inbound.compareAndSet(existing, channel)) {
                candidate.onInboundChanged();
                return true;
            }
        }
    }

    /** Set when the dialer proved the cluster secret, so a rejection may say why in full. */
    private boolean proven;

    /**
     * Refuses a well-formed handshake: tells the dialer the reason code (and the text only when it proved the
     * cluster secret, so a stranger learns no names), logs the whole text, then closes.
     */
    private void reject(ChannelHandlerContext context, PeerLink known, WireProtocol.RejectReason reason,
            String text) {
        if (recordRefusal(context, known, text)) {
            String told = proven ? text : "handshake refused (" + reason + "); the refusing node's log says why";
            context.writeAndFlush(WireProtocol.encodeReject(context.alloc(), reason, told))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Closes a connection that never became a link, without answering: it did not speak the protocol. */
    private void refuse(ChannelHandlerContext context, PeerLink known, String reason) {
        if (recordRefusal(context, known, reason)) {
            context.close();
        }
    }

    /** Logs, counts and records a refusal once per connection; returns false if one was already recorded. */
    private boolean recordRefusal(ChannelHandlerContext context, PeerLink known, String reason) {
        if (closeReason != null) {
            return false;
        }
        closeReason = reason;
        transport.countRejectedConnection();
        LOG.atLevel(transport.refusalLogLevel(reason)).log(() -> transport.self() + ": refused connection from "
                + context.channel().remoteAddress() + ": " + reason);
        if (known != null) {
            known.recordInboundError("refused inbound handshake: " + reason);
        }
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false);
        }
        return true;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof IdleStateEvent idle && link != null) {
            if (idle.state() == IdleState.WRITER_IDLE) {
                context.writeAndFlush(WireProtocol.encodeHeartbeat(context.alloc()), context.voidPromise());
            } else if (idle.state() == IdleState.READER_IDLE) {
                close(context, "no frame from " + link.peer + " for "
                        + transport.config().idleTimeout().toMillis() + " ms");
            }
            return;
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        String reason = PeerLink.describe(cause);
        if (link == null) {
            refuse(context, null, reason);
        } else {
            close(context, "inbound link from " + link.peer + " failed: " + reason);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false);
        }
        if (link != null) {
            if (link.inbound.compareAndSet(context.channel(), null)) {
                link.onInboundChanged();
            }
            String reason = closeReason != null ? closeReason : "connection closed by " + link.peer;
            String partial = !assembler.inProgress() ? "" : "; discarded a partial message ("
                    + assembler.partialFilledBytes() + " of " + assembler.partialMessageBytes() + " bytes)";
            LOG.atInfo().log(() -> transport.self() + ": inbound link from " + link.peer + " closed: " + reason
                    + partial);
        }
        context.fireChannelInactive();
    }

    private void close(ChannelHandlerContext context, String reason) {
        if (closeReason == null) {
            closeReason = reason;
            LOG.atWarn().log(() -> transport.self() + ": closing inbound link: " + reason);
            if (link != null) {
                link.recordInboundError(reason);
            }
        }
        context.close();
    }
}
