package io.spoolkv.protocol.binary;

import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.*;

/**
 * The opcodes spoolkv serves (numbers from Netty's {@code BinaryMemcacheOpcodes}) and the facts about each that
 * decoding and answering need: the header shape memcached accepts, and whether it is a quiet variant.
 */
final class Opcodes {

    /** kv_engine's range scans (docs/range_scans/ in couchbase/kv_engine). */
    static final byte RANGE_SCAN_CREATE = (byte) 0xda;
    static final byte RANGE_SCAN_CONTINUE = (byte) 0xdb;
    static final byte RANGE_SCAN_CANCEL = (byte) 0xdc;

    /** What a request's body must look like: extras length, key presence, value allowed. */
    enum Shape {
        /** No extras, a key, no value (GET, DELETE...). */
        KEY(0, true, false),
        /** 8 bytes of extras (flags, exptime), a key and a value (SET, ADD, REPLACE). */
        STORE(8, true, true),
        /** No extras, a key and a value (APPEND, PREPEND). */
        CONCAT(0, true, true),
        /** 20 bytes of extras (delta, initial, exptime) and a key (INCREMENT, DECREMENT). */
        ARITHMETIC(20, true, false),
        /** 4 bytes of extras (exptime) and a key (TOUCH, GAT...). */
        TOUCH(4, true, false),
        /** No extras, a key (the SASL mechanism) and a value (the SASL data): SASL_AUTH, SASL_STEP. */
        SASL(0, true, true),
        /** Nothing at all (NOOP, VERSION, QUIT, SASL_LIST_MECHS). */
        EMPTY(0, false, false),
        /** Extras of 0 or 4 bytes (an optional delay), no key (FLUSH). */
        FLUSH(-1, false, false),
        /** No extras, an optional key (STAT). */
        OPTIONAL_KEY(0, false, false),
        /** No extras, no key, a value (RangeScanCreate's JSON). */
        VALUE_ONLY(0, false, true),
        /** 28 bytes of extras: scan id and three limits (RangeScanContinue). */
        EXTRAS28(28, false, false),
        /** 16 bytes of extras: the scan id (RangeScanCancel). */
        EXTRAS16(16, false, false);

        final int extras;
        final boolean key;
        final boolean value;

        Shape(int extras, boolean key, boolean value) {
            this.extras = extras;
            this.key = key;
            this.value = value;
        }

        /** memcached's checks: lengths that do not add up are "invalid arguments". */
        boolean accepts(int extrasLength, int keyLength, long bodyLength) {
            long valueLength = bodyLength - extrasLength - keyLength;
            if (valueLength < 0 || (!value && valueLength != 0)) {
                return false;
            }
            boolean extrasOk = extras >= 0 ? extrasLength == extras : extrasLength == 0 || extrasLength == 4;
            boolean keyOk = key ? keyLength > 0 : this == OPTIONAL_KEY || keyLength == 0;
            return extrasOk && keyOk;
        }
    }

    private Opcodes() {
    }

    /** The shape of a known opcode, or null for one spoolkv does not serve. */
    static Shape shape(byte opcode) {
        return switch (opcode) {
            case GET, GETQ, GETK, GETKQ, DELETE, DELETEQ -> Shape.KEY;
            case SET, SETQ, ADD, ADDQ, REPLACE, REPLACEQ -> Shape.STORE;
            case APPEND, APPENDQ, PREPEND, PREPENDQ -> Shape.CONCAT;
            case INCREMENT, INCREMENTQ, DECREMENT, DECREMENTQ -> Shape.ARITHMETIC;
            case TOUCH, GAT, GATQ, GATK, GATKQ -> Shape.TOUCH;
            case NOOP, VERSION, QUIT, QUITQ, SASL_LIST_MECHS -> Shape.EMPTY;
            // decoded always; without authentication the executor answers them "unknown command", as memcached
            case SASL_AUTH, SASL_STEP -> Shape.SASL;
            case FLUSH, FLUSHQ -> Shape.FLUSH;
            case STAT -> Shape.OPTIONAL_KEY;
            case RANGE_SCAN_CREATE -> Shape.VALUE_ONLY;
            case RANGE_SCAN_CONTINUE -> Shape.EXTRAS28;
            case RANGE_SCAN_CANCEL -> Shape.EXTRAS16;
            default -> null;
        };
    }

    /** Quiet variants answer only failures (gets: only hits). */
    static boolean quiet(byte opcode) {
        return switch (opcode) {
            case GETQ, GETKQ, GATQ, GATKQ, SETQ, ADDQ, REPLACEQ, DELETEQ, INCREMENTQ, DECREMENTQ, QUITQ, FLUSHQ,
                 APPENDQ, PREPENDQ -> true;
            default -> false;
        };
    }

    /** The range-scan opcodes, which need the connection (its channel and spool), not just the command layer. */
    static boolean rangeScan(byte opcode) {
        return opcode == RANGE_SCAN_CREATE || opcode == RANGE_SCAN_CONTINUE || opcode == RANGE_SCAN_CANCEL;
    }

    /** GET and GAT in all forms: their quiet forms stay silent on a miss, not on a hit. */
    static boolean retrieval(byte opcode) {
        return switch (opcode) {
            case GET, GETQ, GETK, GETKQ, GAT, GATQ, GATK, GATKQ -> true;
            default -> false;
        };
    }
}
