package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes;
import io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.store.EvictionListener;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.testsupport.BinaryPackets;
import io.spoolkv.testsupport.FailingAllocator;
import io.spoolkv.testsupport.TextClient;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.util.unit.DataSize;

/**
 * A value whose direct memory the pool refuses (the pool at MaxDirectMemorySize while the store is under its own
 * bound), over real loopback connections: the store evicts and tries once more; a second refusal is answered with
 * memcached's error, the connection stays, and the next command works. The leak check covers every buffer.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
@Import(StoreOutOfMemoryIT.FailingValues.class)
class StoreOutOfMemoryIT {

    /** The server's store, with values from an allocator that fails on demand. */
    @TestConfiguration
    static class FailingValues {

        @Bean
        FailingAllocator failingAllocator() {
            return new FailingAllocator();
        }

        @Bean
        @Primary
        MemoryItemStore failingStore(FailingAllocator allocator, Clock clock) {
            return new MemoryItemStore(new StoreProperties(DataSize.ofMegabytes(8), DataSize.ofMegabytes(1), true),
                    clock, EvictionListener.NONE, allocator);
        }
    }

    @Autowired
    MemcachedServer server;
    @Autowired
    FailingAllocator allocator;
    @Autowired
    MemoryItemStore store;

    @BeforeEach
    void emptyStore() {
        allocator.failNext(0, FailingAllocator.Kind.NETTY);
        store.close(); // drops every item (flushed ones too), so the LRU's tail is this test's first item
    }

    long outOfMemory(TextClient c) throws Exception {
        return Long.parseLong(c.stats("items").get("items:1:outofmemory"));
    }

    /** Proves: two refused allocations answer memcached's error; the connection stays; the old value is gone (as memcached unlinks it); counted. */
    @ParameterizedTest
    @EnumSource(FailingAllocator.Kind.class)
    void aSetRefusedTwiceAnswersOutOfMemoryAndTheConnectionStays(FailingAllocator.Kind kind) throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set k 0 0 3\r\nold\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            long before = outOfMemory(c);
            allocator.failNext(2, kind);
            c.send("set k 0 0 3\r\nnew\r\n");
            assertThat(c.line()).isEqualTo("SERVER_ERROR out of memory storing object");
            assertThat(allocator.pendingFailures()).as("both the first try and the retry were refused").isZero();
            c.send("get k\r\n");
            assertThat(c.line()).as("a failed set leaves no stale value").isEqualTo("END");
            c.send("set k 0 0 5\r\nlater\r\nget k\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("VALUE k 0 5");
            assertThat(c.line()).isEqualTo("later");
            assertThat(c.line()).isEqualTo("END");
            assertThat(outOfMemory(c)).isEqualTo(before + 1);
        }
    }

    /** Proves: one refused allocation evicts from the LRU's tail and the retry stores; nothing is counted as out of memory. */
    @Test
    void aSetRefusedOnceEvictsTheTailAndStores() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set oldest 0 0 1\r\na\r\nset newer 0 0 1\r\nb\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            assertThat(c.line()).isEqualTo("STORED");
            long evictions = Long.parseLong(c.stats(null).get("evictions"));
            long before = outOfMemory(c);
            allocator.failNext(1, FailingAllocator.Kind.JVM);
            c.send("set fresh 0 0 5\r\nvalue\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            c.send("get oldest newer fresh\r\n");
            assertThat(c.line()).isEqualTo("VALUE newer 0 1");
            assertThat(c.line()).isEqualTo("b");
            assertThat(c.line()).isEqualTo("VALUE fresh 0 5");
            assertThat(c.line()).isEqualTo("value");
            assertThat(c.line()).isEqualTo("END");
            assertThat(Long.parseLong(c.stats(null).get("evictions"))).isEqualTo(evictions + 1);
            assertThat(outOfMemory(c)).isEqualTo(before);
        }
    }

    /** Proves: incr/decr, ma and append/prepend answer as memcached does when their new value cannot be allocated, and change nothing. */
    @Test
    void arithmeticAndAppendRefusedLeaveTheValueAsItWas() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            c.send("set other 0 0 1\r\no\r\n"); // keeps "stats items" non-empty; ms's retry evicts it
            assertThat(c.line()).isEqualTo("STORED");
            long before = outOfMemory(c);
            allocator.failNext(2, FailingAllocator.Kind.NETTY);
            c.send("ms m 1\r\nx\r\n");
            assertThat(c.line()).isEqualTo("SERVER_ERROR out of memory storing object");
            assertThat(allocator.pendingFailures()).isZero();
            // n is the only item from here on: the writes below spare their own key when they evict for room
            c.send("set n 0 0 1\r\n5\r\n");
            assertThat(c.line()).isEqualTo("STORED");
            allocator.failNext(2, FailingAllocator.Kind.NETTY);
            c.send("incr n 1\r\n");
            assertThat(c.line()).isEqualTo("SERVER_ERROR out of memory");
            allocator.failNext(2, FailingAllocator.Kind.NETTY);
            c.send("ma n\r\n");
            assertThat(c.line()).isEqualTo("SERVER_ERROR out of memory");
            allocator.failNext(2, FailingAllocator.Kind.NETTY);
            c.send("append n 0 0 1\r\n0\r\n");
            assertThat(c.line()).as("memcached's append whose combined item cannot be allocated").isEqualTo("NOT_STORED");
            c.send("incr n 2\r\nget n\r\n");
            assertThat(c.line()).isEqualTo("7");
            assertThat(c.line()).isEqualTo("VALUE n 0 1");
            assertThat(c.line()).isEqualTo("7");
            assertThat(c.line()).isEqualTo("END");
            assertThat(outOfMemory(c)).isEqualTo(before + 4);
        }
    }

    long noMemory(TextClient c) throws Exception {
        return Long.parseLong(c.stats(null).get("store_no_memory"));
    }

    /** A write that answers one reply line (text) or one binary response (its message). */
    interface Write {
        String send(TextClient c) throws Exception;
    }

    static Write text(String command) {
        return c -> {
            c.send(command);
            return c.line();
        };
    }

    /** A binary store on a connection of its own (a connection's first byte decides its protocol). */
    Write binary(byte opcode, long cas) {
        return text -> {
            try (TextClient c = new TextClient(server.port())) {
                c.send(new String(BinaryPackets.store(opcode, 9, cas, "k", BinaryPackets.ascii("v"), 0, 0),
                        java.nio.charset.StandardCharsets.ISO_8859_1));
                return BinaryPackets.read(c.input()).valueText();
            }
        };
    }

    /**
     * Whether key k's old value outlives {@code write} refused twice for memory. k is the store's only item, so
     * the retry's eviction (which spares the written key) takes nothing and only the refusal's rule decides.
     */
    boolean oldValueKept(TextClient c, Write write, String reply) throws Exception {
        store.close();
        c.send("set k 0 0 3\r\nold\r\n");
        assertThat(c.line()).isEqualTo("STORED");
        allocator.failNext(2, FailingAllocator.Kind.NETTY);
        assertThat(write.send(c)).isEqualTo(reply);
        assertThat(allocator.pendingFailures()).isZero();
        c.send("mg k v\r\n");
        String line = c.line();
        if (line.equals("EN")) {
            return false;
        }
        assertThat(line).isEqualTo("VA 3");
        assertThat(c.line()).isEqualTo("old");
        return true;
    }

    /**
     * Proves: which refused write drops the key's old value is memcached's rule per protocol: a text set does, a
     * text cas, add and replace do not; every ms does (add mode included); a binary SET does with or without a
     * CAS, a binary ADD does not. store_no_memory in stats counts the text and meta refusals, not the binary ones.
     */
    @Test
    void eachProtocolDropsTheOldValueOnlyWhereMemcachedDoes() throws Exception {
        String storing = "SERVER_ERROR out of memory storing object";
        String binary = "Out of memory allocating item";
        try (TextClient c = new TextClient(server.port())) {
            long before = noMemory(c);
            assertThat(oldValueKept(c, text("set k 0 0 3\r\nnew\r\n"), storing)).as("text set").isFalse();
            assertThat(oldValueKept(c, text("cas k 0 0 3 1\r\nnew\r\n"), storing)).as("text cas").isTrue();
            assertThat(oldValueKept(c, text("replace k 0 0 3\r\nnew\r\n"), storing)).as("text replace").isTrue();
            assertThat(oldValueKept(c, text("add k 0 0 3\r\nnew\r\n"), storing)).as("text add").isTrue();
            assertThat(oldValueKept(c, text("ms k 3 ME\r\nnew\r\n"), storing)).as("ms in add mode").isFalse();
            assertThat(oldValueKept(c, text("ms k 3 C1\r\nnew\r\n"), storing)).as("ms with a CAS").isFalse();
            assertThat(noMemory(c)).as("six text and meta refusals").isEqualTo(before + 6);
            assertThat(oldValueKept(c, binary(BinaryMemcacheOpcodes.SET, 12345), binary)).as("binary SET, CAS").isFalse();
            assertThat(oldValueKept(c, binary(BinaryMemcacheOpcodes.SET, 0), binary)).as("binary SET").isFalse();
            assertThat(oldValueKept(c, binary(BinaryMemcacheOpcodes.ADD, 0), binary)).as("binary ADD").isTrue();
            assertThat(noMemory(c)).as("binary refusals are not counted").isEqualTo(before + 6);
        }
    }

    /** Proves: the binary protocol answers ENOMEM (0x82) with memcached's message, and the connection stays. */
    @Test
    void aBinarySetRefusedAnswersEnomem() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            allocator.failNext(2, FailingAllocator.Kind.NETTY);
            c.send(new String(BinaryPackets.store(BinaryMemcacheOpcodes.SET, 7, 0, "b", BinaryPackets.ascii("v"), 0, 0),
                    java.nio.charset.StandardCharsets.ISO_8859_1));
            BinaryPackets.Response refused = BinaryPackets.read(c.input());
            assertThat(refused.status()).isEqualTo(BinaryMemcacheResponseStatus.ENOMEM & 0xffff);
            assertThat(refused.opaque()).isEqualTo(7);
            assertThat(refused.valueText()).isEqualTo("Out of memory allocating item");
            c.send(new String(BinaryPackets.store(BinaryMemcacheOpcodes.SET, 8, 0, "b", BinaryPackets.ascii("v"), 0, 0),
                    java.nio.charset.StandardCharsets.ISO_8859_1));
            BinaryPackets.Response stored = BinaryPackets.read(c.input());
            assertThat(stored.status()).isEqualTo(BinaryMemcacheResponseStatus.SUCCESS);
            assertThat(stored.opaque()).isEqualTo(8);
        }
    }
}
