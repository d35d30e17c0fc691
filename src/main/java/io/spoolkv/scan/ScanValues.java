package io.spoolkv.scan;

import io.netty.buffer.ByteBuf;
import io.spoolkv.store.Item;

/**
 * kv_engine's range-scan value encodings ({@code range_scan_continue.md}): key-only, a sequence of
 * {@code [uleb128 length][key]}; documents, a sequence of 25 bytes of metadata (flags, expiry, seqno, cas,
 * datatype; big-endian) then {@code [uleb128 length][key][uleb128 length][value]}.
 */
public final class ScanValues {

    /** flags 4, expiry 4, seqno 8, cas 8, datatype 1. */
    public static final int DOCUMENT_META_BYTES = 25;
    /** kv_engine's datatype for raw bytes (spoolkv keeps no JSON or compression flag). */
    private static final byte DATATYPE_RAW = 0;

    private ScanValues() {
    }

    /** Writes {@code value} as unsigned LEB128: seven bits a byte, low first, high bit set on all but the last. */
    public static void writeUleb128(ByteBuf out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.writeByte((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    /** Bytes {@link #writeUleb128} writes for {@code value}. */
    public static int uleb128Bytes(long value) {
        int bytes = 1;
        while ((value & ~0x7fL) != 0) {
            value >>>= 7;
            bytes++;
        }
        return bytes;
    }

    /** Bytes of one entry: a key-only one, or a document. */
    public static int entryBytes(Item item, boolean keyOnly) {
        int key = uleb128Bytes(item.key().length()) + item.key().length();
        if (keyOnly) {
            return key;
        }
        int value = item.valueLength();
        return DOCUMENT_META_BYTES + key + uleb128Bytes(value) + value;
    }

    public static void writeKey(ByteBuf out, Item item) {
        byte[] key = item.key().bytes();
        writeUleb128(out, key.length);
        out.writeBytes(key);
    }

    /**
     * One document. spoolkv has no sequence numbers: the item's CAS is unique and grows with every mutation, so
     * it stands in for the seqno too. Expiry is the item's absolute expiry in unix seconds, 0 for never. The
     * value is read under a reference of the scan's own; an item the store released since the scan read it
     * (replaced, deleted, evicted) is written as nothing and false is returned: the scan skips it.
     */
    public static boolean writeDocument(ByteBuf out, Item item) {
        if (!item.tryRetain()) {
            return false;
        }
        try {
            out.writeInt(item.flags());
            out.writeInt((int) Math.max(item.expiresAt(), 0));
            out.writeLong(item.cas());
            out.writeLong(item.cas());
            out.writeByte(DATATYPE_RAW);
            writeKey(out, item);
            writeUleb128(out, item.valueLength());
            item.copyValueTo(out);
        } finally {
            item.release();
        }
        return true;
    }
}
