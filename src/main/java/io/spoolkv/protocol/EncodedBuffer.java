package io.spoolkv.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.Consumer;

/** Encoding into one pooled buffer, for every protocol's encoder: the buffer is released if the encoding fails. */
public final class EncodedBuffer {

    private EncodedBuffer() {
    }

    /** A direct buffer of {@code sizeHint} bytes (it grows if needed) holding what {@code writer} wrote. */
    public static ByteBuf of(ByteBufAllocator alloc, int sizeHint, Consumer<ByteBuf> writer) {
        ByteBuf buf = alloc.ioBuffer(sizeHint);
        boolean written = false;
        try {
            writer.accept(buf);
            written = true;
            return buf;
        } finally {
            if (!written) {
                buf.release(); // an Error too (out of direct memory while the buffer grows)
            }
        }
    }
}
