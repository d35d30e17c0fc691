package io.spoolkv.protocol.text;

import io.spoolkv.store.Key;
import java.util.List;

/**
 * A decoded meta command (mg, ms, md, ma, me, mn).
 *
 * @param type the second letter: g, s, d, a, e or n
 * @param key the decoded key (base64-decoded when {@code base64Key}); null for mn
 * @param base64Key the client sent the key in base64 (b flag) and wants it back that way
 * @param flags the flags in the order the client sent them (return flags keep that order)
 * @param value the data block of ms, else null
 */
public record MetaCommand(char type, Key key, boolean base64Key, List<MetaFlag> flags, byte[] value) {

    /** The flag named {@code name}, or null. */
    public MetaFlag flag(char name) {
        for (MetaFlag f : flags) {
            if (f.name() == name) {
                return f;
            }
        }
        return null;
    }

    public boolean has(char name) {
        return flag(name) != null;
    }

    /** The token of a signed 32-bit flag (N, T, R), or null when the flag is absent. */
    Long signed(char name) {
        MetaFlag f = flag(name);
        return f == null ? null : (long) Numbers.signed32(f.token());
    }

    /** The token of an unsigned 64-bit flag (C, D, J, E), or {@code otherwise} when absent. */
    long unsigned(char name, long otherwise) {
        MetaFlag f = flag(name);
        return f == null ? otherwise : Numbers.parseUnsigned64(f.token());
    }

    /** An O token over memcached's limit (its letter counts). */
    boolean opaqueTooLong() {
        MetaFlag o = flag('O');
        return o != null && o.token().length() + 1 > MetaCommandParser.MAX_OPAQUE_LENGTH;
    }

    MetaCommand withValue(byte[] data) {
        return new MetaCommand(type, key, base64Key, flags, data);
    }

    /**
     * One meta flag: a letter and an optional token (T30, C1234, Oopaque).
     *
     * @param token the text after the letter, empty when none
     */
    public record MetaFlag(char name, String token) { }
}
