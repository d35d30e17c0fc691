package io.spoolkv.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus;
import io.spoolkv.command.Stat;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A STAT answer: one response per stat (key = name, value = value, ISO-8859-1), then the empty one that ends it,
 * encoded by {@link BinaryResponseEncoder} into one buffer rather than a buffer per stat. Immutable; it holds no
 * buffers, so there is nothing to release.
 */
public record BinaryStatBlock(byte opcode, int opaque, List<Stat> stats) implements BinaryReply {

    public BinaryStatBlock {
        stats = List.copyOf(stats);
    }

    /** Bytes on the wire: a header per stat and its name and value (one byte a char), then the last header. */
    int size() {
        int size = BinaryRequestDecoder.HEADER_BYTES;
        for (Stat stat : stats) {
            size += BinaryRequestDecoder.HEADER_BYTES + stat.name().length() + stat.value().length();
        }
        return size;
    }

    void encode(ByteBuf out) {
        for (Stat stat : stats) {
            BinaryResponseEncoder.writeHeader(out, opcode, stat.name().length(), 0, BinaryMemcacheResponseStatus.SUCCESS,
                    stat.name().length() + stat.value().length(), opaque, 0);
            out.writeCharSequence(stat.name(), StandardCharsets.ISO_8859_1);
            out.writeCharSequence(stat.value(), StandardCharsets.ISO_8859_1);
        }
        BinaryResponseEncoder.writeHeader(out, opcode, 0, 0, BinaryMemcacheResponseStatus.SUCCESS, 0, opaque, 0);
    }
}
