package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;
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
     * of these, so no buffer ever holds more than a batch of small values or one large one.
     */
    record Values(List<Item> items, boolean withCas, boolean end) implements TextResponse {

        private static final byte[] VALUE = "VALUE ".getBytes(StandardCharsets.ISO_8859_1);
        private static final byte[] END = "END\r\n".getBytes(StandardCharsets.ISO_8859_1);

        /** An upper bound of one item's block: "VALUE ", the key, three numbers of at most 20 digits, CRLFs. */
        static long size(Item item) {
            return 80L + item.key().length() + item.value().length;
        }

        @Override
        public void encode(ByteBuf out) {
            for (Item item : items) {
                out.writeBytes(VALUE).writeBytes(item.key().bytes()).writeByte(' ');
                Ascii.writeUnsigned(out, Integer.toUnsignedLong(item.flags()));
                out.writeByte(' ');
                Ascii.writeUnsigned(out, item.value().length);
                if (withCas) {
                    out.writeByte(' ');
                    Ascii.writeUnsigned(out, item.cas());
                }
                out.writeBytes(CRLF).writeBytes(item.value()).writeBytes(CRLF);
            }
            if (end) {
                out.writeBytes(END);
            }
        }

        @Override
        public int sizeHint() {
            long size = END.length;
            for (Item item : items) {
                size += size(item);
            }
            return (int) Math.min(size, Integer.MAX_VALUE - 8);
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
