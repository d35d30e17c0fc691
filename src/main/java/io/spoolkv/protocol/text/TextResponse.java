package io.spoolkv.protocol.text;

import static io.spoolkv.protocol.HeldValues.ZERO_COPY_BYTES;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.spoolkv.protocol.HeldValues;
import io.spoolkv.protocol.ReleaseOnce;
import io.spoolkv.command.Stat;
import io.spoolkv.store.Item;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A reply of the text protocol, written by {@link TextResponseEncoder}. Each reply knows its
 * own wire format and roughly how big it is, so the encoder allocates once per reply.
 */
public sealed interface TextResponse {

    byte[] CRLF = {'\r', '\n'};

    /** Writes the reply. */
    void encode(ByteBuf out);

    /** A size hint for the encoder's buffer. */
    int sizeHint();

    /** One line: STORED, END, an error... */
    record Line(byte[] bytes) implements TextResponse {

        public static final Line STORED = of("STORED");
        public static final Line NOT_STORED = of("NOT_STORED");
        public static final Line EXISTS = of("EXISTS");
        public static final Line NOT_FOUND = of("NOT_FOUND");
        public static final Line DELETED = of("DELETED");
        public static final Line TOUCHED = of("TOUCHED");
        public static final Line OK = of("OK");
        public static final Line END = of("END");
        public static final Line ERROR = of("ERROR");

        /** The line with its CRLF. */
        public static Line of(String text) {
            return new Line((text + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeBytes(bytes);
        }

        @Override
        public int sizeHint() {
            return bytes.length;
        }
    }

    /**
     * VALUE blocks of a get/gets/gat/gats answer, and END if {@code end}. A large answer is written as several
     * of these, so no buffer ever holds more than a batch of small values or one large one. The items are
     * retained for this reply (the store handed them out so); large values leave without a copy
     * ({@link #encode(ByteBufAllocator, List)}) and the reply's first release gives the items back.
     */
    record Values(List<Item> items, boolean withCas, boolean end, ReleaseOnce once)
            implements TextResponse, HeldValues {

        public Values(List<Item> items, boolean withCas, boolean end) {
            this(items, withCas, end, new ReleaseOnce());
        }

        private static final byte[] VALUE = "VALUE ".getBytes(StandardCharsets.ISO_8859_1);
        private static final byte[] END = "END\r\n".getBytes(StandardCharsets.ISO_8859_1);
        /** An upper bound of one item's lines: "VALUE ", the key, three numbers of at most 20 digits, CRLFs. */
        private static final int LINES_BYTES = 80;

        /** An upper bound of one item's block, value included (how much a batch holds). */
        static long size(Item item) {
            return LINES_BYTES + item.key().length() + item.valueLength();
        }

        /**
         * The lines and the small values go into one buffer, sent in slices; between them each large value is the
         * stored buffer itself, with a reference of its own that the channel releases once it is written.
         */
        void encode(ByteBufAllocator alloc, List<Object> out) {
            ByteBuf lines = alloc.ioBuffer(sizeHint());
            try {
                int sent = 0;
                for (Item item : items) {
                    lines.writeBytes(VALUE).writeBytes(item.key().bytes()).writeByte(' ');
                    Ascii.writeUnsigned(lines, Integer.toUnsignedLong(item.flags()));
                    lines.writeByte(' ');
                    Ascii.writeUnsigned(lines, item.valueLength());
                    if (withCas) {
                        lines.writeByte(' ');
                        Ascii.writeUnsigned(lines, item.cas());
                    }
                    lines.writeBytes(CRLF);
                    if (item.valueLength() >= ZERO_COPY_BYTES) {
                        out.add(lines.retainedSlice(sent, lines.writerIndex() - sent));
                        sent = lines.writerIndex();
                        out.add(item.retainedValue());
                    } else {
                        item.copyValueTo(lines);
                    }
                    lines.writeBytes(CRLF);
                }
                if (end) {
                    lines.writeBytes(END);
                }
                out.add(lines.retainedSlice(sent, lines.writerIndex() - sent));
            } finally {
                lines.release(); // the slices sent hold their own references
            }
        }

        @Override
        public void encode(ByteBuf out) {
            throw new UnsupportedOperationException("large values are sent without a copy");
        }

        /** The lines and the values copied next to them. */
        @Override
        public int sizeHint() {
            long size = END.length;
            for (Item item : items) {
                size += LINES_BYTES + item.key().length()
                        + (item.valueLength() < ZERO_COPY_BYTES ? item.valueLength() : 0);
            }
            return (int) Math.min(size, Integer.MAX_VALUE - 8);
        }

        @Override
        public void releaseValues() {
            for (Item item : items) {
                item.release();
            }
        }
    }

    /** The new value after incr/decr. */
    record Number(long unsignedValue) implements TextResponse {

        @Override
        public void encode(ByteBuf out) {
            Ascii.writeUnsigned(out, unsignedValue);
            out.writeBytes(CRLF);
        }

        @Override
        public int sizeHint() {
            return 22;
        }
    }

    /** STAT lines then END. */
    record Stats(List<Stat> stats) implements TextResponse {

        @Override
        public void encode(ByteBuf out) {
            for (Stat stat : stats) {
                out.writeCharSequence("STAT " + stat.name() + ' ' + stat.value() + "\r\n", StandardCharsets.ISO_8859_1);
            }
            out.writeBytes(Line.END.bytes());
        }

        @Override
        public int sizeHint() {
            return 48 * stats.size() + 5;
        }
    }

    /** A meta reply: a header line (VA 5 f0 c12, HD, EN...) and, for VA, the value block. */
    record Meta(String header, byte[] value) implements TextResponse {

        @Override
        public void encode(ByteBuf out) {
            out.writeCharSequence(header, StandardCharsets.ISO_8859_1);
            out.writeBytes(CRLF);
            if (value != null) {
                out.writeBytes(value).writeBytes(CRLF);
            }
        }

        @Override
        public int sizeHint() {
            return header.length() + 4 + (value == null ? 0 : value.length);
        }
    }
}
