package io.spoolkv.protocol.text;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.command.MutationListener;
import io.spoolkv.command.Versions;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.protocol.DrainConnection;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.store.MutableClock;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import io.spoolkv.testsupport.FailingStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * End to end on one connection: decoder, handler and encoder over the real store on a test clock. The meta
 * commands are tested in {@link MetaCommandsTest}.
 */
class TextCommandHandlerTest {

    MemoryItemStore store;
    TextChannelFixture fixture;
    List<TextRequest> streamed;
    EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        store = new MemoryItemStore(new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true),
                MutableClock.atDefaultStart());
        fixture = new TextChannelFixture(store);
        streamed = fixture.streamed;
        channel = fixture.channel;
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        store.close(); // frees the values, for the leak check
    }

    String send(String input) {
        return fixture.send(input);
    }

    String output() {
        return fixture.output();
    }

    long casOf(String key) {
        return store.peek(Key.wrap(key.getBytes(ISO_8859_1))).cas();
    }

    /**
     * Once a request fails with an exception, the requests already read in the same packet do not run: the set and
     * delete after the failed one change nothing, and the connection is closed.
     */
    @Test
    void requestsReadBeforeAFailureDoNotRunAfterIt() {
        TextChannelFixture failing = new TextChannelFixture(FailingStore.failingOn(store, Key.of("boom")));
        try {
            failing.send("set kept 0 0 1\r\nv\r\n");
            String answered = failing.send("set boom 0 0 1\r\n1\r\nset second 0 0 1\r\n2\r\ndelete kept\r\n");
            failing.channel.runPendingTasks();
            assertThat(store.peek(Key.of("second"))).as("a request after the failure").isNull();
            assertThat(store.peek(Key.of("kept"))).as("a delete after the failure").isNotNull();
            assertThat(answered).as("nothing answered").isEmpty();
            assertThat(failing.channel.isOpen()).isFalse();
        } finally {
            failing.close();
        }
    }

    /**
     * Proves (B1): a multi-key get whose watch log fails with an Error (a watch line's buffer meeting the pool's
     * OutOfDirectMemoryError) on its second key gives back the first key's item, already batched for the reply:
     * once the store drops it, its count reaches 0.
     */
    @Test
    void aMultiGetGivesBackItsBatchWhenTheWatchLogFailsWithAnError() {
        MutationListener failingOnB = new MutationListener() {
            @Override
            public void stored(int clientId, StoreRequest request, StoreResult result, int slabClass) {
            }

            @Override
            public void fetched(int clientId, Key key, Item item) {
                if (key.equals(Key.of("b"))) {
                    throw new OutOfMemoryError("Cannot reserve 64 bytes of direct buffer memory (test)");
                }
            }
        };
        send("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\n");
        output();
        TextChannelFixture watched = new TextChannelFixture(store, failingOnB);
        try {
            try {
                watched.send("get a b\r\n");
                watched.channel.checkException();
            } catch (OutOfMemoryError expected) {
                // the failure travels on to the pipeline; what matters is the batch's reference
            }
            Item a = store.peek(Key.of("a"));
            store.delete(Key.of("a"), 0, false);
            boolean leaked = a.tryRetain();
            if (leaked) {
                a.release(); // the probe's
                a.release(); // the leaked one, so that only this assertion reports it
            }
            assertThat(leaked).as("a's batched reference was given back").isFalse();
        } finally {
            watched.close();
        }
    }

    /**
     * Shutdown while the socket is full: the requests the decoder holds back (complete, not yet decoded) are still
     * answered once the socket drains, before the connection closes.
     */
    @Test
    void aDrainWhileWritesAreBlockedAnswersTheRequestsAlreadyRead() {
        send("set k 0 0 1\r\nv\r\n");
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // the socket is full
        channel.writeInbound(Unpooled.copiedBuffer("get k\r\nget k\r\nget k\r\n", ISO_8859_1));
        channel.pipeline().fireUserEventTriggered(DrainConnection.INSTANCE);
        channel.runPendingTasks();
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true); // it drains
        channel.runPendingTasks();
        assertThat(output()).isEqualTo("VALUE k 0 1\r\nv\r\nEND\r\n".repeat(3));
        assertThat(channel.isOpen()).as("closed once answered").isFalse();
    }

    // ---------------------------------------------------------------- classic commands

    @Nested
    class Classic {

        @Test
        void setThenGet() {
            assertThat(send("set foo 5 0 3\r\nbar\r\nget foo\r\n")).isEqualTo("STORED\r\nVALUE foo 5 3\r\nbar\r\nEND\r\n");
        }

        @Test
        void getMissIsEnd() {
            assertThat(send("get nope\r\n")).isEqualTo("END\r\n");
        }

        @Test
        void multiGetReturnsHitsOnlyInRequestOrder() {
            send("set a 0 0 1\r\n1\r\nset c 4294967295 0 1\r\n3\r\n");
            assertThat(send("get c b a\r\n")).isEqualTo("VALUE c 4294967295 1\r\n3\r\nVALUE a 0 1\r\n1\r\nEND\r\n");
        }

        @Test
        void getsCarriesCas() {
            send("set foo 5 0 3\r\nbar\r\n");
            assertThat(send("gets foo\r\n")).isEqualTo("VALUE foo 5 3 " + casOf("foo") + "\r\nbar\r\nEND\r\n");
        }

        @Test
        void casStoredExistsNotFound() {
            send("set foo 0 0 3\r\nbar\r\n");
            long cas = casOf("foo");
            assertThat(send("cas foo 0 0 1 " + (cas + 1000) + "\r\nx\r\n")).isEqualTo("EXISTS\r\n");
            assertThat(send("cas nope 0 0 1 " + cas + "\r\nx\r\n")).isEqualTo("NOT_FOUND\r\n");
            assertThat(send("cas foo 7 0 1 " + cas + "\r\ny\r\n")).isEqualTo("STORED\r\n");
            assertThat(send("cas foo 0 0 1 " + cas + "\r\nz\r\n")).isEqualTo("EXISTS\r\n");
            assertThat(send("get foo\r\n")).isEqualTo("VALUE foo 7 1\r\ny\r\nEND\r\n");
        }

        /**
         * memcached's do_store_item treats a cas command whose unique is 0 like any mismatch
         * ("NONE or BADVAL are the same for CAS cmd"): EXISTS on a present item, NOT_FOUND on a
         * missing one. It never stores.
         */
        @Test
        void casWithUniqueZeroNeverStores() {
            send("set foo 0 0 3\r\nbar\r\n");
            assertThat(send("cas foo 0 0 1 0\r\nx\r\ncas nope 0 0 1 0\r\ny\r\n")).isEqualTo("EXISTS\r\nNOT_FOUND\r\n");
            assertThat(send("get foo nope\r\n")).isEqualTo("VALUE foo 0 3\r\nbar\r\nEND\r\n");
        }

        @Test
        void addReplaceAppendPrepend() {
            assertThat(send("add k 3 0 1\r\nb\r\nadd k 0 0 1\r\nx\r\n")).isEqualTo("STORED\r\nNOT_STORED\r\n");
            assertThat(send("replace nope 0 0 1\r\nx\r\nappend nope 0 0 1\r\nx\r\nprepend nope 0 0 1\r\nx\r\n"))
                    .isEqualTo("NOT_STORED\r\nNOT_STORED\r\nNOT_STORED\r\n");
            assertThat(send("append k 9 0 1\r\nc\r\nprepend k 9 0 1\r\na\r\nget k\r\n"))
                    .isEqualTo("STORED\r\nSTORED\r\nVALUE k 3 3\r\nabc\r\nEND\r\n");
            assertThat(send("replace k 4 0 2\r\nzz\r\nget k\r\n")).isEqualTo("STORED\r\nVALUE k 4 2\r\nzz\r\nEND\r\n");
        }

        @Test
        void noreplySuppressesReplies() {
            String out = send("set n 0 0 1 noreply\r\n1\r\n"
                    + "add n 0 0 1 noreply\r\n2\r\n"
                    + "incr n 5 noreply\r\n"
                    + "decr n 2 noreply\r\n"
                    + "touch n 100 noreply\r\n"
                    + "delete nope noreply\r\n"
                    + "verbosity 1 noreply\r\n"
                    + "cas n 0 0 1 1 noreply\r\n9\r\n"
                    + "get n\r\n");
            assertThat(out).isEqualTo("VALUE n 0 1\r\n4\r\nEND\r\n");
            assertThat(send("delete n noreply\r\nflush_all noreply\r\nget n\r\n")).isEqualTo("END\r\n");
        }

        @Test
        void pipelinedRequestsAreAnsweredInOrder() {
            String in = "set a 0 0 1\r\n1\r\nget a\r\nincr a 9\r\ndecr a 100\r\ndelete a\r\ndelete a\r\n"
                    + "touch a 1\r\nversion\r\nverbosity 1\r\nmn\r\nbogus\r\nincr a\r\nflush_all\r\nget a b\r\n";
            String expected = "STORED\r\nVALUE a 0 1\r\n1\r\nEND\r\n10\r\n0\r\nDELETED\r\nNOT_FOUND\r\n"
                    + "NOT_FOUND\r\nVERSION " + Versions.REPORTED + "\r\nOK\r\nMN\r\nERROR\r\nERROR\r\nOK\r\nEND\r\n";
            assertThat(send(in)).isEqualTo(expected);

            // The same bytes one at a time answer identically.
            StringBuilder out = new StringBuilder();
            for (byte b : in.getBytes(ISO_8859_1)) {
                channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
                out.append(output());
            }
            assertThat(out.toString()).isEqualTo(expected);
        }

        @Test
        void arithmetic() {
            send("set n 0 0 20\r\n18446744073709551615\r\nset t 0 0 3\r\nabc\r\n");
            assertThat(send("incr n 1\r\n")).isEqualTo("0\r\n");
            assertThat(send("incr n 18446744073709551615\r\n")).isEqualTo("18446744073709551615\r\n");
            assertThat(send("decr n 18446744073709551615\r\ndecr n 5\r\n")).isEqualTo("0\r\n0\r\n");
            assertThat(send("incr t 1\r\n"))
                    .isEqualTo("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
            assertThat(send("incr nope 1\r\ndecr nope 1\r\n")).isEqualTo("NOT_FOUND\r\nNOT_FOUND\r\n");
            assertThat(send("incr n -1\r\n")).isEqualTo("CLIENT_ERROR invalid numeric delta argument\r\n");
        }

        @Test
        void touchAndGat() {
            send("set k 0 0 1\r\nv\r\n");
            assertThat(send("touch k 100\r\ntouch nope 100\r\n")).isEqualTo("TOUCHED\r\nNOT_FOUND\r\n");
            assertThat(send("gat 0 k nope\r\n")).isEqualTo("VALUE k 0 1\r\nv\r\nEND\r\n");
            assertThat(send("gats 0 k\r\n")).isEqualTo("VALUE k 0 1 " + casOf("k") + "\r\nv\r\nEND\r\n");
            assertThat(send("gat -1 k\r\nget k\r\n")).isEqualTo("VALUE k 0 1\r\nv\r\nEND\r\nEND\r\n");
        }

        @Test
        void statsGroups() {
            String general = send("stats\r\n");
            assertThat(general).startsWith("STAT pid ").endsWith("END\r\n")
                    .contains("\r\nSTAT version " + Versions.REPORTED + "\r\n", "\r\nSTAT curr_connections 1\r\n",
                            "\r\nSTAT cmd_get 0\r\n", "\r\nSTAT threads 1\r\n");
            assertThat(send("stats settings\r\n")).contains("STAT item_size_max 1048576\r\n", "STAT maxconns 16\r\n")
                    .endsWith("END\r\n");
            assertThat(send("stats sizes\r\n")).isEqualTo("STAT sizes_status disabled\r\nEND\r\n");
            assertThat(send("stats bogus\r\n")).isEqualTo("ERROR\r\n");
        }

        /**
         * Proves: stats detail counts each classic get, gat, set and delete once (the command layer counts them,
         * the executor no longer does too), and not the meta commands; the sizes switches answer as in the binary
         * protocol, since one dispatch decides both.
         */
        @Test
        void statsDetailCountsEachClassicCommandOnce() {
            assertThat(send("stats detail on\r\n")).isEqualTo("OK\r\n");
            send("set p:k 0 0 1\r\nx\r\nget p:k p:none\r\ngat 0 p:k\r\ndelete p:k\r\ndelete p:none\r\n"
                    + "ms p:m 1\r\nx\r\nmg p:m v\r\nmd p:m\r\n");
            assertThat(send("stats detail dump\r\n")).isEqualTo("PREFIX p get 3 hit 2 set 1 del 2\r\nEND\r\n");
            assertThat(send("stats detail\r\n")).isEqualTo("CLIENT_ERROR usage: stats detail on|off|dump\r\n");
            assertThat(send("stats sizes_enable\r\n"))
                    .isEqualTo("STAT sizes_status error\r\nSTAT sizes_error not_supported\r\nEND\r\n");
            assertThat(send("stats reset\r\nstats detail dump\r\n")).isEqualTo("RESET\r\nEND\r\n");
        }

        /**
         * Proves (S1): stats items reports the segmented LRU's real lists (a new item is HOT, not COLD) and
         * stats settings says the LRU is segmented.
         */
        @Test
        void statsItemsReportsTheLruSegments() {
            send("set a 0 0 1\r\nx\r\n");
            assertThat(send("stats items\r\n")).contains("STAT items:1:number 1\r\n",
                    "STAT items:1:number_hot 1\r\n", "STAT items:1:number_warm 0\r\n",
                    "STAT items:1:number_cold 0\r\n");
            assertThat(send("stats settings\r\n")).contains("STAT lru_segmented yes\r\n");
        }

        /**
         * Proves stats items and stats slabs list one block per slab class that holds items, in class order, with
         * memcached 1.6.18's field names in its order, and that stats reset zeroes a class's eviction count
         * (issue_22.t's items:31:evicted) while the class keeps its items.
         */
        @Test
        void statsItemsAndSlabsArePerClassInMemcachedsOrder() {
            store.maxMemory(DataSize.ofMegabytes(3).toBytes());
            String value = "B".repeat(66560);
            for (int i = 0; i < 40; i++) {
                assertThat(send("set key" + i + " 0 0 66560\r\n" + value + "\r\n")).isEqualTo("STORED\r\n");
            }
            send("set a 0 0 1\r\nx\r\n");
            String items = send("stats items\r\n");
            String[] fields = {"number", "number_hot", "number_warm", "number_cold", "age", "mem_requested", "evicted",
                    "evicted_nonzero", "evicted_time", "outofmemory", "tailrepairs", "reclaimed", "expired_unfetched",
                    "evicted_unfetched", "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked"};
            StringBuilder names = new StringBuilder();
            for (int cls : new int[] {1, 31}) {
                for (String field : fields) {
                    names.append("items:").append(cls).append(':').append(field).append('\n');
                }
            }
            assertThat(statNames(items)).isEqualTo(names.toString());
            // 3 MB holds 37 chunks of 82,792 bytes (3 evicted); the small item fits in what is left
            assertThat(items).contains("STAT items:1:number 1\r\n", "STAT items:31:number 37\r\n",
                    "STAT items:31:evicted 3\r\n", "STAT items:1:evicted 0\r\n");
            String slabs = send("stats slabs\r\n");
            assertThat(slabs).contains("STAT 31:chunk_size 82792\r\nSTAT 31:chunks_per_page 12\r\n"
                    + "STAT 31:total_pages 4\r\nSTAT 31:total_chunks 48\r\nSTAT 31:used_chunks 37\r\n"
                    + "STAT 31:free_chunks 11\r\nSTAT 31:free_chunks_end 0\r\nSTAT 31:get_hits 0\r\n"
                    + "STAT 31:cmd_set 40\r\n",
                    "STAT 1:chunk_size 96\r\n", "STAT active_slabs 2\r\n").endsWith("STAT total_malloced "
                    + DataSize.ofMegabytes(3).toBytes() + "\r\nEND\r\n");
            assertThat(slabs.indexOf("STAT 1:chunk_size")).isLessThan(slabs.indexOf("STAT 31:chunk_size"));
            assertThat(send("stats reset\r\n")).isEqualTo("RESET\r\n");
            assertThat(send("stats items\r\n")).contains("STAT items:31:evicted 0\r\n", "STAT items:31:number 37\r\n",
                    "STAT items:31:evicted_time 0\r\n");
            send("set key40 0 0 66560\r\n" + value + "\r\n");
            assertThat(send("stats items\r\n")).contains("STAT items:31:evicted 1\r\n");
        }

        /**
         * Proves stats slabs counts memcached's per-class command counters in the class of the item each command
         * hit (cmd_set: of the item stored), that misses count nowhere, and that stats reset zeroes them
         * (memcached_exporter's memcached_slab_commands_total reads them).
         */
        @Test
        void statsSlabsCountsCommandsPerClass() {
            String big = "B".repeat(66560);
            assertThat(send("set big 0 0 66560\r\n" + big + "\r\n")).isEqualTo("STORED\r\n");
            assertThat(send("set n 0 0 1\r\n5\r\n")).isEqualTo("STORED\r\n");
            assertThat(send("set gone 0 0 1\r\nx\r\n")).isEqualTo("STORED\r\n");
            send("get big\r\n");
            send("get big\r\n");
            send("get n missing\r\n");
            assertThat(send("incr n 2\r\n")).isEqualTo("7\r\n");
            assertThat(send("decr n 1\r\n")).isEqualTo("6\r\n");
            assertThat(send("touch big 100\r\n")).isEqualTo("TOUCHED\r\n");
            assertThat(send("delete gone\r\n")).isEqualTo("DELETED\r\n");
            assertThat(send("delete gone\r\n")).isEqualTo("NOT_FOUND\r\n");
            String gets = send("gets n\r\n");
            long cas = Long.parseLong(gets.substring(0, gets.indexOf("\r\n")).split(" ")[4]);
            assertThat(send("cas n 0 0 1 " + cas + "\r\n8\r\n")).isEqualTo("STORED\r\n");
            assertThat(send("cas n 0 0 1 " + cas + "\r\n9\r\n")).isEqualTo("EXISTS\r\n");
            String slabs = send("stats slabs\r\n");
            assertThat(slabs).contains("STAT 31:get_hits 2\r\nSTAT 31:cmd_set 1\r\nSTAT 31:delete_hits 0\r\n"
                    + "STAT 31:incr_hits 0\r\nSTAT 31:decr_hits 0\r\nSTAT 31:cas_hits 0\r\n"
                    + "STAT 31:cas_badval 0\r\nSTAT 31:touch_hits 1\r\n",
                    "STAT 1:get_hits 2\r\nSTAT 1:cmd_set 4\r\nSTAT 1:delete_hits 1\r\nSTAT 1:incr_hits 1\r\n"
                    + "STAT 1:decr_hits 1\r\nSTAT 1:cas_hits 1\r\nSTAT 1:cas_badval 1\r\nSTAT 1:touch_hits 0\r\n");
            assertThat(send("stats reset\r\n")).isEqualTo("RESET\r\n");
            send("get big\r\n");
            assertThat(send("stats slabs\r\n")).contains("STAT 31:get_hits 1\r\nSTAT 31:cmd_set 0\r\n",
                    "STAT 1:get_hits 0\r\nSTAT 1:cmd_set 0\r\n");
        }

        /**
         * Proves STAT bytes is memcached's: the items' totals, the sum of stats items' mem_requested over the
         * classes, not what they are charged against the bound (a small item's charge is its real cost, a large
         * one's its chunks).
         */
        @Test
        void statsBytesIsTheSumOfMemRequested() {
            assertThat(send("set a 0 0 1\r\nx\r\n")).isEqualTo("STORED\r\n");
            assertThat(send("set big 5 0 66560\r\n" + "B".repeat(66560) + "\r\n")).isEqualTo("STORED\r\n");
            long requested = 0;
            for (String line : send("stats items\r\n").split("\r\n")) {
                if (line.startsWith("STAT items:") && line.contains(":mem_requested ")) {
                    requested += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            // 48 + key + 1 + value + 2 + 8 (+ 4 for flags): memcached's ITEM_ntotal
            assertThat(requested).isEqualTo((48 + 1 + 1 + 1 + 2 + 8) + (48 + 3 + 1 + 66560 + 2 + 8 + 4));
            assertThat(send("stats\r\n")).contains("STAT bytes " + requested + "\r\n");
            assertThat(store.stats().bytes()).isNotEqualTo(requested); // the charge, kept for the bound
        }

        private static String statNames(String reply) {
            StringBuilder names = new StringBuilder();
            for (String line : reply.split("\r\n")) {
                if (line.startsWith("STAT ")) {
                    names.append(line, 5, line.indexOf(' ', 5)).append('\n');
                }
            }
            return names.toString();
        }

        /** Proves (S2): stats reset sets stats items' counters back to zero, as it does the general block's. */
        @Test
        void statsResetAlsoResetsItemsCounters() {
            send("set a 0 0 1\r\nx\r\n");
            send("flush_all\r\n");
            send("get a\r\n"); // drops the flushed item: reclaimed 1
            send("set b 0 0 1\r\nx\r\n");
            assertThat(send("stats items\r\n")).contains("STAT items:1:reclaimed 1\r\n");
            assertThat(send("stats reset\r\n")).isEqualTo("RESET\r\n");
            assertThat(send("stats items\r\n")).contains("STAT items:1:reclaimed 0\r\n");
            assertThat(send("stats\r\n")).contains("STAT reclaimed 0\r\n");
        }

        @Test
        void backgroundCommandsGoToStreams() {
            assertThat(send("lru_crawler metadump all\r\nwatch\r\nmn\r\n")).isEqualTo("ERROR\r\nERROR\r\nMN\r\n");
            assertThat(streamed).containsExactly(new TextRequest.LruCrawler("metadump", "all"),
                    new TextRequest.Watch(List.of()));
        }

        @Test
        void errorsAreAnsweredAndTheConnectionStaysOpen() {
            String big = "x".repeat(1024 * 1024 + 1);
            String out = send("set big 0 0 " + big.length() + "\r\n" + big + "\r\nset k 0 0 1\r\nab\r\n"
                    + "get " + "k".repeat(251) + "\r\ndelete k 5\r\nget k\r\n");
            assertThat(out).isEqualTo("SERVER_ERROR object too large for cache\r\nCLIENT_ERROR bad data chunk\r\n"
                    + "ERROR\r\nCLIENT_ERROR bad command line format\r\n"
                    + "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\nEND\r\n");
            assertThat(channel.isOpen()).isTrue();
        }

        /**
         * memcached's process_update_command, when a set is refused as too large, unlinks the key's
         * current item ("Avoid stale data persisting in cache because we failed alloc").
         */
        @Test
        void tooLargeSetRemovesTheOldValue() {
            String big = "x".repeat(1024 * 1024 + 1);
            assertThat(send("set foo 0 0 1\r\na\r\nset foo 0 0 " + big.length() + "\r\n" + big + "\r\nget foo\r\n"))
                    .isEqualTo("STORED\r\nSERVER_ERROR object too large for cache\r\nEND\r\n");
        }

        /** memcached's out_string skips the reply when the command said noreply, errors included. */
        @Test
        void tooLargeSetWithNoreplyAnswersNothing() {
            String big = "x".repeat(1024 * 1024 + 1);
            assertThat(send("set foo 0 0 " + big.length() + " noreply\r\n" + big + "\r\nmn\r\n")).isEqualTo("MN\r\n");
        }

        @Test
        void quitCloses() {
            assertThat(send("get a\r\nquit\r\nget b\r\n")).isEqualTo("END\r\n");
            assertThat(channel.isOpen()).isFalse();
        }

        @Test
        void lineTooLongAnswersThenCloses() {
            assertThat(send("mn\r\n" + "y".repeat(3000))).isEqualTo("MN\r\nCLIENT_ERROR line too long\r\n");
            assertThat(channel.isOpen()).isFalse();
        }
    }

    // ---------------------------------------------------------------- output bound and endings

    /** Issue 8: one output bound for ordinary replies, and quit / half-close deliver what was answered. */
    @Nested
    class OutputBound {

        void setWritable(boolean writable) {
            channel.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
            channel.runPendingTasks(); // the writability event is delivered as a task
        }

        /** A socket that never takes anything: writes are held (release them), their promises never complete. */
        List<Object> socketThatTakesNothing() {
            List<Object> held = new ArrayList<>();
            channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
                @Override
                public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg,
                                  io.netty.channel.ChannelPromise promise) {
                    held.add(msg);
                }
            });
            return held;
        }

        @Test
        void requestsAlreadyReadWaitWhileTheChannelIsUnwritableAndRunInOrderAfter() {
            send("set a 0 0 1\r\n1\r\n");
            setWritable(false);
            assertThat(send("get a\r\nset a 0 0 1\r\n2\r\nget a\r\n")).as("nothing runs while unwritable").isEmpty();
            assertThat(channel.config().isAutoRead()).as("reading stops").isFalse();
            io.spoolkv.store.Item a = store.get(Key.wrap("a".getBytes(ISO_8859_1)));
            try {
                assertThat(a.valueBytes()).as("the set did not run").isEqualTo("1".getBytes(ISO_8859_1));
            } finally {
                a.release();
            }
            setWritable(true);
            assertThat(output()).isEqualTo("VALUE a 0 1\r\n1\r\nEND\r\nSTORED\r\nVALUE a 0 1\r\n2\r\nEND\r\n");
            assertThat(channel.config().isAutoRead()).as("reading resumes").isTrue();
        }

        @Test
        void aMultiGetStopsBetweenValuesWhenTheChannelTurnsUnwritable() {
            // Values of a batch's size each (small ones share a buffer), so every value is its own write.
            String a = "a".repeat(TextCommandHandler.BATCH_BYTES);
            String b = "b".repeat(TextCommandHandler.BATCH_BYTES);
            int n = TextCommandHandler.BATCH_BYTES;
            send("set a 0 0 " + n + "\r\n" + a + "\r\nset b 0 0 " + n + "\r\n" + b + "\r\nset c 0 0 1\r\n3\r\n");
            // The socket "fills up" with the first value written: the rest must wait.
            channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
                boolean filled;

                @Override
                public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg,
                                  io.netty.channel.ChannelPromise promise) throws Exception {
                    super.write(ctx, msg, promise);
                    if (!filled) {
                        filled = true;
                        ctx.channel().unsafe().outboundBuffer().setUserDefinedWritability(1, false);
                    }
                }
            });
            assertThat(send("get a b c\r\n")).isEqualTo("VALUE a 0 " + n + "\r\n" + a + "\r\n");
            // Each key is looked up only when its turn comes: c, deleted now, is a miss.
            store.delete(Key.wrap("c".getBytes(ISO_8859_1)), 0, false);
            setWritable(true);
            assertThat(output()).isEqualTo("VALUE b 0 " + n + "\r\n" + b + "\r\nEND\r\n");
        }

        @Test
        void smallValuesOfOneGetShareOneBufferWithTheEnd() {
            send("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\n");
            channel.writeInbound(Unpooled.copiedBuffer("get a b nope\r\n", ISO_8859_1));
            assertThat(channel.outboundMessages()).hasSize(1);
            assertThat(output()).isEqualTo("VALUE a 0 1\r\n1\r\nVALUE b 0 1\r\n2\r\nEND\r\n");
        }

        @Test
        void aGetSendsTheStoredValuesThemselvesBetweenSlicesOfOneLinesBuffer() {
            // proves zero-copy gets: each large value leaves as the stored buffer's own memory, not a copy
            String big1 = "1".repeat(io.spoolkv.protocol.HeldValues.ZERO_COPY_BYTES);
            String big2 = "2".repeat(io.spoolkv.protocol.HeldValues.ZERO_COPY_BYTES);
            int n = big1.length();
            send("set a 0 0 " + n + "\r\n" + big1 + "\r\nset b 0 0 " + n + "\r\n" + big2 + "\r\n");
            channel.writeInbound(Unpooled.copiedBuffer("get a b nope\r\n", ISO_8859_1));
            List<ByteBuf> sent = new ArrayList<>();
            for (Object o; (o = channel.readOutbound()) != null; ) {
                sent.add((ByteBuf) o);
            }
            io.spoolkv.store.Item a = store.get(Key.wrap("a".getBytes(ISO_8859_1)));
            io.spoolkv.store.Item b = store.get(Key.wrap("b".getBytes(ISO_8859_1)));
            try {
                assertThat(sent).as("a's value is the stored buffer").anyMatch(a::isValueMemory);
                assertThat(sent).as("b's value is the stored buffer").anyMatch(b::isValueMemory);
                StringBuilder text = new StringBuilder();
                sent.forEach(buf -> text.append(buf.toString(ISO_8859_1)));
                assertThat(text).hasToString("VALUE a 0 " + n + "\r\n" + big1 + "\r\nVALUE b 0 " + n + "\r\n" + big2
                        + "\r\nEND\r\n");
            } finally {
                a.release();
                b.release();
                sent.forEach(ByteBuf::release);
            }
        }

        @Test
        void quitClosesOnlyAfterEveryEarlierAnswerWasWritten() {
            send("set a 0 0 1\r\n1\r\n");
            setWritable(false);
            send("get a\r\nquit\r\nget a\r\n");
            assertThat(channel.isOpen()).isTrue();
            setWritable(true);
            assertThat(output()).isEqualTo("VALUE a 0 1\r\n1\r\nEND\r\n");
            assertThat(channel.isOpen()).isFalse();
        }

        @Test
        void aHalfClosedClientGetsItsAnswersThenTheClose() {
            send("set a 0 0 1\r\n1\r\n");
            setWritable(false);
            channel.writeInbound(Unpooled.copiedBuffer("get a\r\nget a\r\n", ISO_8859_1));
            channel.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
            assertThat(channel.isOpen()).as("still answering").isTrue();
            setWritable(true);
            assertThat(output()).isEqualTo("VALUE a 0 1\r\n1\r\nEND\r\n".repeat(2));
            assertThat(channel.isOpen()).isFalse();
        }
    
        @Test
        void anIdleConnectionWithAnswersStillUnsentIsNotKicked() {
            channel.write(Unpooled.copiedBuffer("unsent", ISO_8859_1)); // written, not flushed: output pending
            channel.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.READER_IDLE_STATE_EVENT);
            assertThat(channel.isOpen()).isTrue();
            channel.flush();
            output();
            channel.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.READER_IDLE_STATE_EVENT);
            assertThat(channel.isOpen()).isFalse();
        }

        @Test
        void aQuittingClientThatNeverTakesItsAnswersIsClosedAfterTheTimeout() {
            List<Object> held = socketThatTakesNothing();
            send("set a 0 0 1\r\n1\r\nquit\r\n");
            assertThat(channel.isOpen()).as("waits for the answers to be taken").isTrue();
            channel.advanceTimeBy(6, java.util.concurrent.TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
            assertThat(channel.isOpen()).as("closed after the 5 s close timeout").isFalse();
            held.forEach(io.netty.util.ReferenceCountUtil::release);
        }
    
        @Test
        void whileRequestsCannotRunWhatTheClientSendsStaysAsBytesNotAsWaitingRequests() {
            send("set a 0 0 1\r\n1\r\n");
            setWritable(false);
            String flood = "get a\r\n".repeat(64 * 1024 / 7); // one full read of pipelined gets
            assertThat(send(flood)).isEmpty();
            TextCommandHandler handler = channel.pipeline().get(TextCommandHandler.class);
            TextRequestDecoder decoder = channel.pipeline().get(TextRequestDecoder.class);
            assertThat(handler.waitingRequests()).as("decoded requests held").isLessThanOrEqualTo(1);
            assertThat(decoder.bufferedBytes()).as("the rest stays as bytes").isGreaterThan(flood.length() - 16);
            setWritable(true);
            assertThat(output()).isEqualTo("VALUE a 0 1\r\n1\r\nEND\r\n".repeat(64 * 1024 / 7));
            assertThat(decoder.bufferedBytes()).isZero();
        }
    
        @Test
        void aHalfCloseAfterAnUnfinishedRequestClosesTheConnectionAndFreesItsBytes() {
            // The client died (or gave up) mid-request: nothing more can complete it.
            assertThat(send("set a 0 0 1\r\n1\r\nget a")).isEqualTo("STORED\r\n");
            channel.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
            channel.runPendingTasks();
            assertThat(channel.isOpen()).isFalse();
            assertThat(channel.pipeline().get(TextRequestDecoder.class)).isNull(); // removed with its buffer on close
        }

        @Test
        void aFatalErrorToAClientThatNeverTakesItsAnswersIsClosedAfterTheTimeout() {
            List<Object> held = socketThatTakesNothing();
            send("mn\r\n" + "y".repeat(3000)); // a line too long: CLIENT_ERROR, then the close
            assertThat(channel.isOpen()).as("waits for the answers to be taken").isTrue();
            channel.advanceTimeBy(6, java.util.concurrent.TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
            assertThat(channel.isOpen()).as("closed after the 5 s close timeout").isFalse();
            held.forEach(io.netty.util.ReferenceCountUtil::release);
        }
    }
}
