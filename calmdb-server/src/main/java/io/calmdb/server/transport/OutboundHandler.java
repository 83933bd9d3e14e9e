package io.calmdb.server.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The dialer's end of a link: sends the hello, checks the acceptor's answer, then only watches heartbeats and
 * writability, because all data flows from this side. Runs on the link's event loop.
 */
final class OutboundHandler extends ChannelDuplexHandler {
    private final NettyPeerTransport transport;
    private final PeerLink link;
    private final FrameDecoder decoder;
    private boolean handshaken;
    private String closeReason;
    private ScheduledFuture<?> handshakeTimeout;
    /** The payload of the hello this end sent, which both ends' proofs cover. */
    private byte[] helloPayload;
    /** True once the acceptor proved it knows the cluster secret. */
    private boolean acceptorProven;

    OutboundHandler(NettyPeerTransport transport, PeerLink link, FrameDecoder decoder) {
        this.transport = transport;
        this.link = link;
        this.decoder = decoder;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        TransportConfig config = transport.config();
        byte[] nonce = new byte[WireProtocol.NONCE_BYTES];
        NettyPeerTransport.RANDOM.nextBytes(nonce);
        io.netty.buffer.ByteBuf hello = WireProtocol.encodeHello(context.alloc(), WireProtocol.TYPE_HELLO,
                config.clusterName(), config.self(), link.peer, nonce);
        helloPayload = new byte[hello.readableBytes() - WireProtocol.LENGTH_FIELD_BYTES - 1];
        hello.getBytes(hello.readerIndex() + WireProtocol.LENGTH_FIELD_BYTES + 1, helloPayload);
        context.writeAndFlush(hello);
        long timeoutNanos = config.handshakeTimeout().toNanos();
        handshakeTimeout = context.executor().schedule(
                () -> close(context, link.peer + " did not answer the handshake within "
                        + config.handshakeTimeout().toMillis() + " ms"),
                timeoutNanos, TimeUnit.NANOSECONDS);
        context.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        WireProtocol.Frame frame = (WireProtocol.Frame) message;
        if (handshaken) {
            if (frame.type() == WireProtocol.TYPE_HEARTBEAT) {
                link.bytesReceived.addAndGet(frame.wireBytes());
            } else {
                close(context, link.peer + " sent frame type " + frame.type() + " on an outbound link");
            }
            return;
        }
        switch (frame.type()) {
            case WireProtocol.TYPE_CHALLENGE -> challenge(context, frame);
            case WireProtocol.TYPE_HELLO_ACCEPT -> accept(context, frame);
            case WireProtocol.TYPE_REJECT -> {
                String reason;
                try {
                    WireProtocol.Reject reject = WireProtocol.decodeReject(frame.payload());
                    reason = "rejected by " + link.peer + " (" + reject.reason() + "): " + reject.text();
                } catch (IllegalArgumentException malformed) {
                    reason = link.peer + " sent a malformed rejection: " + malformed.getMessage();
                }
                close(context, reason);
            }
            default -> close(context, link.peer + " answered the handshake with frame type " + frame.type());
        }
    }

    /** The acceptor asks for the cluster secret: check its own proof, then answer with ours. */
    private void challenge(ChannelHandlerContext context, WireProtocol.Frame frame) {
        byte[] secret = transport.config().clusterSecret();
        if (secret == null) {
            close(context, link.peer + " requires a cluster secret and this node has none: set clusterSecret in "
                    + "its YAML (docs/security.md)");
            return;
        }
        byte[] payload = frame.payload();
        if (acceptorProven || payload.length != WireProtocol.NONCE_BYTES + WireProtocol.MAC_BYTES) {
            close(context, link.peer + " sent a malformed challenge");
            return;
        }
        byte[] nonce = java.util.Arrays.copyOfRange(payload, 0, WireProtocol.NONCE_BYTES);
        byte[] mac = java.util.Arrays.copyOfRange(payload, WireProtocol.NONCE_BYTES, payload.length);
        if (!java.security.MessageDigest.isEqual(mac, WireProtocol.mac(secret, "calmdb-acceptor", helloPayload, nonce))) {
            transport.countAuthenticationFailure();
            close(context, "the node at " + link.config.host() + ":" + link.config.port() + " does not know the "
                    + "cluster secret: it is not " + link.peer + ", or the secrets differ");
            return;
        }
        acceptorProven = true;
        context.writeAndFlush(WireProtocol.encodeBytesFrame(context.alloc(), WireProtocol.TYPE_PROOF,
                WireProtocol.mac(secret, "calmdb-dialer", helloPayload, nonce)));
    }

    private void accept(ChannelHandlerContext context, WireProtocol.Frame frame) {
        TransportConfig config = transport.config();
        if (!NettyPeerTransport.certificateNames(context.channel(), link.peer)) {
            transport.countAuthenticationFailure();
            close(context, "the node at " + link.config.host() + ":" + link.config.port() + " presented a TLS "
                    + "certificate that does not name " + link.peer);
            return;
        }
        if (config.clusterSecret() != null && !acceptorProven) {
            transport.countAuthenticationFailure();
            close(context, "the node at " + link.config.host() + ":" + link.config.port() + " accepted without "
                    + "proving the cluster secret: it is not " + link.peer + ", or it has no secret configured");
            return;
        }
        WireProtocol.Hello hello;
        try {
            hello = WireProtocol.decodeHello(frame.payload());
        } catch (IllegalArgumentException malformed) {
            close(context, link.peer + " answered with a malformed handshake: " + malformed.getMessage());
            return;
        }
        String mismatch = null;
        if (hello.magic() != WireProtocol.MAGIC) {
            mismatch = "bad magic 0x" + Integer.toHexString(hello.magic());
        } else if (hello.version() != WireProtocol.PROTOCOL_VERSION) {
            mismatch = "protocol version " + hello.version() + ", this node speaks " + WireProtocol.PROTOCOL_VERSION;
        } else if (!hello.clusterName().equals(config.clusterName())) {
            mismatch = "cluster '" + hello.clusterName() + "', this node is in '" + config.clusterName() + "'";
        } else if (!hello.sender().equals(link.peer)) {
            mismatch = "the node at " + link.config.host() + ":" + link.config.port() + " is " + hello.sender()
                    + ", not " + link.peer;
        } else if (!hello.recipient().equals(config.self())) {
            mismatch = "it addressed " + hello.recipient() + ", not " + config.self();
        }
        if (mismatch != null) {
            close(context, "handshake answer from " + link.peer + " refused: " + mismatch);
            return;
        }
        handshaken = true;
        handshakeTimeout.cancel(false);
        decoder.frameBytesMax(config.frameBytesMax());
        context.pipeline().addFirst("idle", transport.idleStateHandler());
        link.onHandshakeComplete(context.channel());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (context.channel().isWritable()) {
            link.drain();
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.WRITER_IDLE) {
                context.writeAndFlush(WireProtocol.encodeHeartbeat(context.alloc()), context.voidPromise());
                link.bytesSent.addAndGet(WireProtocol.LENGTH_FIELD_BYTES + 1);
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
        close(context, "link to " + link.peer + " failed: " + PeerLink.describe(cause));
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false);
        }
        link.onChannelLost(context.channel(),
                closeReason != null ? closeReason : "connection closed by " + link.peer);
        context.fireChannelInactive();
    }

    private void close(ChannelHandlerContext context, String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        context.close();
    }
}
