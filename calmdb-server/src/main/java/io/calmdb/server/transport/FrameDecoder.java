package io.calmdb.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits the byte stream into {@link WireProtocol.Frame}s. The bound starts at
 * {@link WireProtocol#HANDSHAKE_FRAME_BYTES_MAX} and is raised to the configured frame bound only after the
 * handshake, so an unauthenticated connection can never make this node buffer more than one small frame. A
 * length outside the bound fails at once, before the body arrives (fail fast), and every byte after a failure is
 * discarded while the handler closes the channel.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private int frameBytesMax = WireProtocol.HANDSHAKE_FRAME_BYTES_MAX;
    private boolean failed;

    /** Raises the bound once the peer is authenticated; called on the channel's event loop. */
    void frameBytesMax(int bytes) {
        this.frameBytesMax = bytes;
    }

    @Override
    protected void decode(ChannelHandlerContext context, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < WireProtocol.LENGTH_FIELD_BYTES) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length < 1) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw new CorruptedFrameException("frame length 0: every frame has at least a type byte");
        }
        if (length > frameBytesMax) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw new TooLongFrameException(
                    "frame length " + length + " exceeds the bound of " + frameBytesMax + " bytes");
        }
        if (in.readableBytes() < WireProtocol.LENGTH_FIELD_BYTES + length) {
            return;
        }
        in.skipBytes(WireProtocol.LENGTH_FIELD_BYTES);
        byte type = in.readByte();
        byte[] payload = new byte[(int) length - 1];
        in.readBytes(payload);
        out.add(new WireProtocol.Frame(type, payload, WireProtocol.LENGTH_FIELD_BYTES + (int) length));
    }
}
