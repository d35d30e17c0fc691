package io.spoolkv.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A memcached key: at most 250 bytes, compared as unsigned bytes so that key order is the order
 * clients see in range scans and dumps. The array is owned by the key and never changed.
 */
public final class Key implements Comparable<Key> {

    public static final int MAX_LENGTH = 250;

    private final byte[] bytes;
    private final int hash;

    private Key(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** Takes ownership of {@code bytes}: the caller must not change them afterwards. */
    public static Key wrap(byte[] bytes) {
        return new Key(bytes);
    }

    /** A key of the bytes {@code from} to {@code to} of {@code source}, copied: no String on the way. */
    public static Key copyOf(byte[] source, int from, int to) {
        return new Key(Arrays.copyOfRange(source, from, to));
    }

    public static Key of(String key) {
        return new Key(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The key's bytes; callers must not change them. */
    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public int compareTo(Key other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && hash == k.hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
