package io.spoolkv.protocol.binary;

import io.netty.channel.ChannelHandlerContext;
import io.spoolkv.scan.ScanRegistry;
import io.spoolkv.scan.ScanStatus;
import io.spoolkv.spool.SpoolService;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * kv_engine's range scans on a binary connection: RangeScanCreate answers a 16-byte id, RangeScanCancel a plain
 * status, and RangeScanContinue streams through the connection's spool from the background executor (the handler
 * stops running requests until it ends). Thread-safe: it holds no connection state.
 */
public final class BinaryScanCommands {

    /** kv_engine's answer for a vbucket this node does not serve (spoolkv has vbucket 0 only). */
    private static final short NOT_MY_VBUCKET = 0x07;

    private final ScanRegistry scans;
    private final SpoolService spools;

    public BinaryScanCommands(ScanRegistry scans, SpoolService spools) {
        this.scans = scans;
        this.spools = spools;
    }

    /**
     * Runs a range-scan request on the connection's event loop.
     *
     * @param onDone runs on the event loop after a streaming continue's last byte was written
     * @return the response to write now, or null when a continue streams (and {@code onDone} will run)
     */
    BinaryResponse run(ChannelHandlerContext ctx, BinaryRequest.Command c, Runnable onDone) {
        if (c.vbucket() != 0) {
            return BinaryResponse.error(c, NOT_MY_VBUCKET);
        }
        return switch (c.opcode()) {
            case Opcodes.RANGE_SCAN_CREATE -> {
                ScanRegistry.Created created = scans.create(ctx.channel(), c.value());
                yield created.status() != ScanStatus.SUCCESS ? BinaryResponse.error(c, created.status())
                        : new BinaryResponse(c.opcode(), ScanStatus.SUCCESS, c.opaque(), 0, BinaryResponse.NONE,
                                BinaryResponse.NONE, uuid(created.id()));
            }
            case Opcodes.RANGE_SCAN_CANCEL -> scans.cancel(uuid(c.extras()))
                    ? BinaryResponse.ok(c, 0) : BinaryResponse.error(c, ScanStatus.KEY_ENOENT);
            case Opcodes.RANGE_SCAN_CONTINUE -> {
                ByteBuffer extras = ByteBuffer.wrap(c.extras());
                UUID id = new UUID(extras.getLong(), extras.getLong());
                long items = Integer.toUnsignedLong(extras.getInt());
                long millis = Integer.toUnsignedLong(extras.getInt());
                long bytes = Integer.toUnsignedLong(extras.getInt());
                short status = scans.startContinue(() -> spools.spoolOf(ctx.channel()), id, items, millis, bytes,
                        new BinaryScanFrames(c.opaque()), onDone);
                yield status == ScanStatus.SUCCESS ? null : BinaryResponse.error(c, status);
            }
            default -> throw new IllegalArgumentException("not a range-scan opcode: " + c.opcode());
        };
    }

    private static byte[] uuid(UUID id) {
        return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits())
                .array();
    }

    private static UUID uuid(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new UUID(b.getLong(), b.getLong());
    }
}
