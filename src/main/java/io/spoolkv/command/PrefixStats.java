package io.spoolkv.command;

import io.spoolkv.store.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * memcached's {@code stats detail}: per key prefix (the key up to its first ':', memcached's
 * default delimiter) counts of gets, hits, sets and deletes, kept only while detail is on. Off,
 * the cost on the hot path is one volatile read.
 */
public final class PrefixStats {

    private static final char DELIMITER = ':';

    private volatile boolean enabled;
    private final Map<String, Counts> prefixes = new ConcurrentHashMap<>();

    private static final class Counts {
        final LongAdder gets = new LongAdder();
        final LongAdder hits = new LongAdder();
        final LongAdder sets = new LongAdder();
        final LongAdder deletes = new LongAdder();
    }

    public boolean enabled() {
        return enabled;
    }

    public void enabled(boolean on) {
        this.enabled = on;
    }

    public void get(Key key, boolean hit) {
        if (enabled) {
            Counts c = counts(key);
            if (c != null) {
                c.gets.increment();
                if (hit) {
                    c.hits.increment();
                }
            }
        }
    }

    public void set(Key key) {
        if (enabled) {
            Counts c = counts(key);
            if (c != null) {
                c.sets.increment();
            }
        }
    }

    public void delete(Key key) {
        if (enabled) {
            Counts c = counts(key);
            if (c != null) {
                c.deletes.increment();
            }
        }
    }

    /** null for a key without the delimiter: memcached does not count those. */
    private Counts counts(Key key) {
        byte[] bytes = key.bytes();
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == DELIMITER) {
                String prefix = new String(bytes, 0, i, java.nio.charset.StandardCharsets.ISO_8859_1);
                return prefixes.computeIfAbsent(prefix, p -> new Counts());
            }
        }
        return null;
    }

    /** memcached's dump lines, "PREFIX p get n hit n set n del n", one per prefix, in prefix order. */
    public List<String> dump() {
        List<String> lines = new ArrayList<>(prefixes.size());
        new java.util.TreeMap<>(prefixes).forEach((prefix, c) -> lines.add("PREFIX " + prefix + " get " + c.gets.sum() + " hit " + c.hits.sum()
                + " set " + c.sets.sum() + " del " + c.deletes.sum()));
        return lines;
    }

    /** stats reset forgets every prefix, as memcached's does. */
    void reset() {
        prefixes.clear();
    }
}
