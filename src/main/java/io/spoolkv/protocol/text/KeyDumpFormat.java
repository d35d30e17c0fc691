package io.spoolkv.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spoolkv.background.ItemFrames;
import io.spoolkv.background.ItemStream;
import io.spoolkv.store.Item;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The two key dump formats of memcached 1.6's LRU crawler, written straight into the chunk a
 * producer is filling: {@code metadump} (one {@code key=... exp=... } line per item, ending
 * {@code END}) and {@code mgdump} (one {@code mg <key>} line per item, ending {@code EN}).
 */
enum KeyDumpFormat implements ItemFrames {

    METADUMP("END\r\n") {
        @Override
        public boolean write(ByteBuf out, Item item) {
            out.writeBytes(KEY);
            UriEncoding.write(out, item.key().bytes());
            out.writeBytes(EXP);
            if (item.expiresAt() == 0) {
                out.writeBytes(MINUS_ONE);
            } else {
                Ascii.writeUnsigned(out, item.expiresAt());
            }
            out.writeBytes(LA);
            Ascii.writeUnsigned(out, item.lastAccess());
            out.writeBytes(CAS);
            Ascii.writeUnsigned(out, item.cas());
            out.writeBytes(item.fetched() ? FETCH_YES : FETCH_NO);
            Ascii.writeUnsigned(out, item.slabClass());
            out.writeBytes(SIZE);
            // memcached's size= is the item's total (ITEM_ntotal)
            Ascii.writeUnsigned(out, item.total());
            out.writeBytes(FLAGS);
            Ascii.writeUnsigned(out, Integer.toUnsignedLong(item.flags()));
            out.writeByte('\n');
            return true;
        }
    },

    MGDUMP("EN\r\n") {
        @Override
        public boolean write(ByteBuf out, Item item) {
            byte[] key = item.key().bytes();
            out.writeBytes(MG);
            if (printable(key)) {
                out.writeBytes(key).writeBytes(CRLF);
            } else {
                out.writeBytes(Base64.getEncoder().encode(key)).writeBytes(B_FLAG);
            }
            return true; // a dump lists the items as the store's key order yields them
        }
    };

    /** The longest line an item can produce (a 250-byte key URI-encoded, plus every field). */
    static final int MAX_LINE = 250 * 3 + 160;

    private static final byte[] KEY = ascii("key=");
    private static final byte[] EXP = ascii(" exp=");
    private static final byte[] MINUS_ONE = ascii("-1");
    private static final byte[] LA = ascii(" la=");
    private static final byte[] CAS = ascii(" cas=");
    private static final byte[] FETCH_YES = ascii(" fetch=yes cls=");
    private static final byte[] FETCH_NO = ascii(" fetch=no cls=");
    private static final byte[] SIZE = ascii(" size=");
    private static final byte[] FLAGS = ascii(" flags=");
    private static final byte[] MG = ascii("mg ");
    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] B_FLAG = ascii(" b\r\n");

    private final byte[] end;

    KeyDumpFormat(String end) {
        this.end = ascii(end);
    }

    private static final byte[] FAILED = ascii("SERVER_ERROR key dump failed\r\n");

    /** A dump has no limits and no cancel: it always ends complete. */
    @Override
    public void writeEnd(ByteBuf out, int start, ItemStream.End how) {
        out.writeBytes(end);
    }

    /** Every line is bounded, so one bound serves: a chunk stops a longest line short of full. */
    @Override
    public int frameBytes(Item item) {
        return MAX_LINE;
    }

    /** Chunks hold whole lines, so the client sees the lines sent so far, then this instead of the end. */
    @Override
    public ByteBuf failure() {
        return Unpooled.wrappedBuffer(FAILED.clone());
    }

    private static boolean printable(byte[] key) {
        for (byte b : key) {
            if (b <= ' ' || b >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
