package io.spoolkv.protocol.text;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.spoolkv.config.StoreProperties;
import io.spoolkv.store.Key;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.store.MutableClock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The meta commands end to end on one connection (decoder, handler, encoder) over the real store
 * on a test clock. Every expected answer is memcached 1.6.18's, byte for byte, as observed from a
 * real memcached 1.6.18 with the same requests (CAS values aside, which differ by counter).
 */
class MetaCommandsTest {

    MutableClock clock;
    MemoryItemStore store;
    TextChannelFixture fixture;

    @BeforeEach
    void setUp() {
        clock = MutableClock.atDefaultStart();
        store = new MemoryItemStore(new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true), clock);
        fixture = new TextChannelFixture(store);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
        store.close(); // frees the values, for the leak check
    }

    String send(String input) {
        return fixture.send(input);
    }

    long casOf(String key) {
        return store.peek(Key.wrap(key.getBytes(ISO_8859_1))).cas();
    }

    long stat(String name) {
        Matcher m = Pattern.compile("STAT " + name + " (\\d+)\r\n").matcher(send("stats\r\n"));
        assertThat(m.find()).as("stat " + name).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Nested
    class Basics {

        @Test
        void mgReturnFlagsComeInTheClientsOrder() {
            send("set foo 5 0 3\r\nbar\r\n");
            long cas = casOf("foo");
            assertThat(send("mg foo v f c k Oabc t s\r\n"))
                    .isEqualTo("VA 3 f5 c" + cas + " kfoo Oabc t-1 s3\r\nbar\r\n");
            assertThat(send("mg foo f k\r\n")).isEqualTo("HD f5 kfoo\r\n");
            assertThat(send("mg foo\r\n")).isEqualTo("HD\r\n");
        }

        @Test
        void mgMissEchoesOpaqueAndKey() {
            assertThat(send("mg nope v Oxyz k\r\n")).isEqualTo("EN Oxyz knope\r\n");
            assertThat(send("mg nope v\r\n")).isEqualTo("EN\r\n");
        }

        @Test
        void mgQuietHidesOnlyTheMiss() {
            send("set foo 0 0 3\r\nbar\r\n");
            assertThat(send("mg nope v q\r\nmg foo v q\r\nmg foo q\r\nmn\r\n")).isEqualTo("VA 3\r\nbar\r\nHD\r\nMN\r\n");
        }

        @Test
        void mgTtlAndTouchAndTheTBeforeOrAfterTheT() {
            send("set foo 0 100 3\r\nbar\r\n");
            assertThat(send("mg foo t v\r\n")).isEqualTo("VA 3 t100\r\nbar\r\n");
            assertThat(send("mg foo T50 t\r\n")).isEqualTo("HD t50\r\n");
            // memcached applies T where it meets it: a t before it shows the old TTL
            assertThat(send("mg foo t T70\r\n")).isEqualTo("HD t50\r\n");
            clock.advanceSeconds(10);
            assertThat(send("mg foo t\r\n")).isEqualTo("HD t60\r\n");
        }

        @Test
        void base64KeyIsEchoedWithATrailingB() {
            assertThat(send("ms Zm9v 3 b k\r\nbar\r\n")).isEqualTo("HD kZm9v b\r\n");
            assertThat(send("mg Zm9v b k v\r\nmg Zm9v b v\r\nget foo\r\n"))
                    .isEqualTo("VA 3 kZm9v b\r\nbar\r\nVA 3\r\nbar\r\nVALUE foo 0 3\r\nbar\r\nEND\r\n");
            assertThat(send("md Zm9v b k\r\n")).isEqualTo("HD kZm9v b\r\n");
        }

        @Test
        void msSetAndReturnCas() {
            assertThat(send("ms foo 3 T0 F7\r\nnew\r\n")).isEqualTo("HD\r\n");
            assertThat(send("ms foo 3 c k O1\r\nxyz\r\n")).isEqualTo("HD c" + casOf("foo") + " kfoo O1\r\n");
            assertThat(send("get foo\r\n")).isEqualTo("VALUE foo 0 3\r\nxyz\r\nEND\r\n");
            assertThat(send("ms foo 1 F7 T100\r\nq\r\nmg foo f t v\r\n")).isEqualTo("HD\r\nVA 1 f7 t100\r\nq\r\n");
        }

        @Test
        void msQuietHidesOnlyHd() {
            assertThat(send("ms foo 1 q\r\nx\r\nms foo 1 q ME\r\ny\r\nmn\r\n")).isEqualTo("NS\r\nMN\r\n");
        }

        @Test
        void msModesAreCaseSensitive() {
            assertThat(send("ms m 1 ME\r\na\r\n")).isEqualTo("HD\r\n");
            assertThat(send("ms m 1 ME\r\nb\r\n")).isEqualTo("NS\r\n");
            assertThat(send("ms m 1 MA\r\nc\r\nms m 1 MP\r\nd\r\nmg m v\r\n")).isEqualTo("HD\r\nHD\r\nVA 3\r\ndac\r\n");
            assertThat(send("ms m 1 MR\r\ne\r\nmg m v\r\n")).isEqualTo("HD\r\nVA 1\r\ne\r\n");
            assertThat(send("ms m 1 MS\r\nf\r\nmg m v\r\n")).isEqualTo("HD\r\nVA 1\r\nf\r\n");
            assertThat(send("ms none 1 MR\r\nx\r\nms none 1 MA\r\nx\r\nms none 1 MP\r\nx\r\n"))
                    .isEqualTo("NS\r\nNS\r\nNS\r\n");
            // a bad mode is refused and its data block skipped, so the next command is in step
            assertThat(send("ms m 1 MX\r\ng\r\nms m 1 Ms\r\ng\r\nmg m v\r\n")).isEqualTo(
                    "CLIENT_ERROR invalid mode for ms M token\r\nCLIENT_ERROR invalid mode for ms M token\r\n"
                            + "VA 1\r\nf\r\n");
        }

        /** A too-large ms drops the key's item whatever its mode (memcached: no stale value outlives the write). */
        @Test
        void tooLargeMsInAppendModeStillDropsTheItem() {
            send("set foo 0 0 1\r\na\r\n");
            String big = "x".repeat(1024 * 1024 + 10);
            assertThat(send("ms foo " + big.length() + " MA\r\n" + big + "\r\nget foo\r\n"))
                    .isEqualTo("SERVER_ERROR object too large for cache\r\nEND\r\n");
        }

        @Test
        void msCompareCas() {
            send("ms foo 1\r\na\r\n");
            long cas = casOf("foo");
            assertThat(send("ms foo 1 C" + (cas + 1) + " c\r\nb\r\n")).isEqualTo("EX c0\r\n");
            assertThat(send("ms nope 1 C" + cas + "\r\nb\r\n")).isEqualTo("NF\r\n");
            assertThat(send("ms foo 1 C" + cas + "\r\nc\r\nmg foo v\r\n")).isEqualTo("HD\r\nVA 1\r\nc\r\n");
        }

        @Test
        void mdAndItsQuietModeHidesOnlyHd() {
            send("set foo 0 0 3\r\nbar\r\nset bar 0 0 1\r\nx\r\n");
            long cas = casOf("foo");
            assertThat(send("md foo C" + (cas + 1) + " q\r\n")).isEqualTo("EX\r\n");
            assertThat(send("md foo O5 k\r\n")).isEqualTo("HD O5 kfoo\r\n");
            assertThat(send("md foo\r\n")).isEqualTo("NF\r\n");
            // memcached hides HD but still reports NF under q
            assertThat(send("md bar q\r\nmd bar q Oz\r\nmn\r\nget bar\r\n")).isEqualTo("NF Oz\r\nMN\r\nEND\r\n");
        }

        @Test
        void maCountsAndItsModes() {
            assertThat(send("ma cnt\r\n")).isEqualTo("NF\r\n");
            assertThat(send("ma cnt N0 J10 v\r\n")).isEqualTo("VA 2\r\n10\r\n");
            assertThat(send("ma cnt D5 v\r\n")).isEqualTo("VA 2\r\n15\r\n");
            assertThat(send("get cnt\r\n")).isEqualTo("VALUE cnt 0 2\r\n15\r\nEND\r\n");
            assertThat(send("ma cnt MD D100 v\r\n")).isEqualTo("VA 1\r\n0\r\n");
            assertThat(send("ma cnt M+ D18446744073709551615 v t c\r\n"))
                    .isEqualTo("VA 20 t-1 c" + casOf("cnt") + "\r\n18446744073709551615\r\n");
            assertThat(send("ma cnt M- v\r\nma cnt MI v\r\n")).isEqualTo("VA 20\r\n18446744073709551614\r\nVA 20\r\n18446744073709551615\r\n");
            assertThat(send("ma cnt MX\r\nma cnt Mi\r\n"))
                    .isEqualTo("CLIENT_ERROR invalid mode for ma M token\r\nCLIENT_ERROR invalid mode for ma M token\r\n");
            send("set txt 0 0 3\r\nabc\r\n");
            assertThat(send("ma txt\r\n")).isEqualTo("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
        }

        @Test
        void maTouchesAtomicallyAndCountsTheTouchNowhere() {
            send("set cnt 0 0 1\r\n1\r\n");
            long touches = stat("cmd_touch");
            assertThat(send("ma cnt T100 t v\r\n")).isEqualTo("VA 1 t100\r\n2\r\n");
            assertThat(send("mg cnt t\r\n")).isEqualTo("HD t100\r\n");
            assertThat(stat("cmd_touch")).isEqualTo(touches);
        }

        @Test
        void meAndMn() {
            send("set foo 0 0 3\r\nbar\r\n");
            long cas = casOf("foo");
            // cls and size as Debian's memcached 1.6.18 answers this me: the slab class and the item's total
            assertThat(send("me foo\r\n")).isEqualTo("ME foo exp=-1 la=0 cas=" + cas + " fetch=no cls=1 size=65\r\n");
            send("get foo\r\n");
            assertThat(send("me foo\r\n")).isEqualTo("ME foo exp=-1 la=0 cas=" + cas + " fetch=yes cls=1 size=65\r\n");
            send("set big 0 0 66560\r\n" + "B".repeat(66560) + "\r\n");
            assertThat(send("me big\r\n")).endsWith(" fetch=no cls=31 size=66622\r\n");
            assertThat(send("me nope\r\nme\r\nmn\r\n")).isEqualTo("EN\r\nCLIENT_ERROR bad command line format\r\nMN\r\n");
            // memcached 1.6.18 shows the TTL negated (its "now - exptime")
            send("set ttl 0 100 1\r\nx\r\n");
            assertThat(send("me ttl\r\n")).startsWith("ME ttl exp=-100 la=0 ");
        }
    }

    /** memcached 1.6.18's checks of a meta line, in its order, with its strings. */
    @Nested
    class Errors {

        @Test
        void unknownFlagIsInvalidAndMdMaSayInvalidOrDuplicate() {
            assertThat(send("mg foo zz\r\nmg foo 9\r\nmg foo m o o\r\n")).isEqualTo(
                    "CLIENT_ERROR invalid flag\r\nCLIENT_ERROR invalid flag\r\nCLIENT_ERROR invalid flag\r\n");
            assertThat(send("ms foo 1 zz\r\nx\r\nmn\r\n")).isEqualTo("CLIENT_ERROR invalid flag\r\nMN\r\n");
            assertThat(send("md foo zz\r\nma foo zz\r\nmd foo q q\r\nma foo Tx\r\n")).isEqualTo(
                    "CLIENT_ERROR invalid or duplicate flag\r\nCLIENT_ERROR invalid or duplicate flag\r\n"
                            + "CLIENT_ERROR invalid or duplicate flag\r\nCLIENT_ERROR invalid or duplicate flag\r\n");
        }

        @Test
        void duplicateFlag() {
            assertThat(send("mg foo v v\r\nms foo 1 T1 T2\r\nx\r\nmn\r\n"))
                    .isEqualTo("CLIENT_ERROR duplicate flag\r\nCLIENT_ERROR duplicate flag\r\nMN\r\n");
        }

        @Test
        void opaqueOver32BytesIsRefused() {
            String ok = "O" + "a".repeat(31);
            String tooLong = "O" + "a".repeat(32);
            assertThat(send("mg foo " + ok + "\r\n")).isEqualTo("EN " + ok + "\r\n");
            assertThat(send("mg foo " + tooLong + "\r\nmd foo " + tooLong + "\r\nms foo 1 " + tooLong + "\r\nx\r\nmn\r\n"))
                    .isEqualTo("CLIENT_ERROR opaque token too long\r\nCLIENT_ERROR opaque token too long\r\n"
                            + "CLIENT_ERROR opaque token too long\r\nMN\r\n");
            // ma checks it only after the change, as memcached does: the counter moved
            send("set n 0 0 1\r\n1\r\n");
            assertThat(send("ma n " + tooLong + "\r\nget n\r\n"))
                    .isEqualTo("CLIENT_ERROR opaque token too long\r\nVALUE n 0 1\r\n2\r\nEND\r\n");
        }

        @Test
        void badTokensGetMemcachedsStrings() {
            assertThat(send("mg foo Tabc\r\nmg foo N\r\nmg foo R1x\r\nmg foo MEE\r\nmg foo Jx\r\nmg foo Dx\r\n"))
                    .isEqualTo("CLIENT_ERROR bad token in command line format\r\n"
                            + "CLIENT_ERROR bad token in command line format\r\n"
                            + "CLIENT_ERROR bad token in command line format\r\n"
                            + "CLIENT_ERROR incorrect length for M token\r\n"
                            + "CLIENT_ERROR invalid numeric initial value\r\n"
                            + "CLIENT_ERROR invalid numeric delta value\r\n");
            // a bad F has no message of its own in memcached; ms skips the data block either way
            assertThat(send("ms foo 1 Fabc\r\nx\r\nms foo 1 Cx\r\nx\r\nmn\r\n")).isEqualTo(
                    "CLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad token in command line format\r\nMN\r\n");
        }

        @Test
        void tooManyTokens() {
            String eighteenFlags = " a b c d e f g h i j k l m n o p q r";
            String seventeenFlags = " O1 k s t c f v h l u q T1 N1 R1 Ma J1 D1";
            // seventeen flags are still fine (a vivify with every return flag; t shows the TTL before T and N)
            assertThat(send("mg foo" + seventeenFlags + "\r\n"))
                    .startsWith("VA 0 O1 kfoo s0 t-1 c").endsWith(" f0 h0 l0 W\r\n\r\n");
            assertThat(send("mg foo" + eighteenFlags + "\r\n")).isEqualTo("CLIENT_ERROR options flags are too long\r\n");
            assertThat(send("md foo" + eighteenFlags + "\r\nma foo" + eighteenFlags + "\r\n"))
                    .isEqualTo("CLIENT_ERROR options flags too long\r\nCLIENT_ERROR options flags too long\r\n");
            // memcached refuses this ms before it knows to skip the data, so "x" is read as a command
            assertThat(send("ms foo 1" + eighteenFlags.substring(2) + "\r\nx\r\nmn\r\n"))
                    .isEqualTo("CLIENT_ERROR options flags too long\r\nERROR\r\nMN\r\n");
        }

        @Test
        void missingKeyLengthOrBadLength() {
            assertThat(send("mg\r\nmd\r\nma\r\nms\r\nms foo\r\nms foo abc\r\nmn\r\n")).isEqualTo(
                    "ERROR\r\nERROR\r\nERROR\r\nERROR\r\nCLIENT_ERROR bad command line format\r\n"
                            + "CLIENT_ERROR bad command line format\r\nMN\r\n");
            assertThat(send("mg " + "k".repeat(251) + " v\r\nmg @@@@ b\r\n"))
                    .isEqualTo("CLIENT_ERROR bad command line format\r\nCLIENT_ERROR error decoding key\r\n");
        }
    }

    /** C0 is a CAS to compare with, not "no CAS" (except for ma, where memcached skips 0). */
    @Nested
    class CompareCasZero {

        @Test
        void msC0FailsForSetAndReplaceButNotAppend() {
            assertThat(send("ms foo 1 C0\r\nb\r\n")).isEqualTo("NF\r\n");
            send("ms foo 1\r\na\r\n");
            assertThat(send("ms foo 1 C0 c\r\nb\r\nms foo 1 C0 MR\r\nb\r\nms foo 1 C0 I\r\nb\r\n"))
                    .isEqualTo("EX c0\r\nEX\r\nEX\r\n");
            assertThat(send("ms foo 1 C0 MA\r\nc\r\nmg foo v\r\n")).isEqualTo("HD\r\nVA 2\r\nac\r\n");
        }

        @Test
        void mdC0FailsAndMaC0DoesNotCompare() {
            send("set n 0 0 1\r\n1\r\n");
            assertThat(send("md n C0\r\nma n C0 v\r\n")).isEqualTo("EX\r\nVA 1\r\n2\r\n");
            assertThat(send("md nope C0\r\n")).isEqualTo("NF\r\n");
        }
    }

    /** q hides the nominal answer only, as memcached 1.6.18 does for ma. */
    @Nested
    class QuietArithmetic {

        @Test
        void quietHidesAChangeEvenWithValueButShowsAVivifyAndMisses() {
            assertThat(send("ma c q\r\nma c q N0 J5\r\nma c q v N0 J5\r\nma c q\r\nma c q v\r\nmg c v\r\nmn\r\n"))
                    .isEqualTo("NF\r\nHD\r\nVA 1\r\n8\r\nMN\r\n");
            assertThat(send("ma d q v N0 J5\r\nmn\r\n")).isEqualTo("VA 1\r\n5\r\nMN\r\n");
        }
    }

    @Nested
    class DropValue {

        /** md x keeps the key and its CAS with an empty value; flags and TTL come from F and T. */
        @Test
        void mdXKeepsTheItemWithoutItsValue() {
            send("set foo 7 100 3\r\nbar\r\n");
            long cas = casOf("foo");
            assertThat(send("md foo x\r\n")).isEqualTo("HD\r\n");
            assertThat(send("mg foo s v f t c\r\n")).isEqualTo("VA 0 s0 f0 t-1 c" + cas + "\r\n\r\n");
            assertThat(send("md foo x F9 T50\r\nmg foo f t\r\n")).isEqualTo("HD\r\nHD f9 t50\r\n");
            assertThat(send("md nope x\r\n")).isEqualTo("NF\r\n");
        }
    }

    @Nested
    class NoBump {

        /** mg u reads without recording an access: the hit flag and last access stay as they were. */
        @Test
        void mgUDoesNotCountAsAnAccess() {
            send("ms k 1 T100\r\nx\r\n");
            clock.advanceSeconds(5);
            assertThat(send("mg k u h l\r\nmg k u h l\r\n")).isEqualTo("HD h0 l5\r\nHD h0 l5\r\n");
            assertThat(send("me k\r\n")).contains(" la=5 ").contains(" fetch=no ");
            assertThat(send("mg k h l\r\nmg k h l\r\n")).isEqualTo("HD h0 l5\r\nHD h1 l0\r\n");
        }
    }

    /** Stale-while-revalidate: one W per stale item or recache window, Z for the readers after it. */
    @Nested
    class StaleWhileRevalidate {

        @Test
        void firstReaderOfAStaleItemWinsLaterOnesSeeZ() {
            send("set foo 0 0 3\r\nmoo\r\n");
            assertThat(send("mg foo v\r\n")).isEqualTo("VA 3\r\nmoo\r\n");
            assertThat(send("md foo I T30\r\n")).isEqualTo("HD\r\n");
            assertThat(send("mg foo v t\r\n")).isEqualTo("VA 3 t30 X W\r\nmoo\r\n");
            assertThat(send("mg foo v t\r\nmg foo\r\n")).isEqualTo("VA 3 t30 Z X\r\nmoo\r\nHD Z X\r\n");
        }

        @Test
        void mdIHandsTheTokenBack() {
            send("set foo 0 0 3\r\nmoo\r\nmd foo I\r\n");
            assertThat(send("mg foo\r\nmg foo\r\n")).isEqualTo("HD X W\r\nHD Z X\r\n");
            assertThat(send("md foo I\r\nmg foo\r\n")).isEqualTo("HD\r\nHD X W\r\n");
        }

        @Test
        void msIWithAnOlderCasStoresStaleKeepingTokenAndTtl() {
            send("set foo 0 0 3\r\nmoo\r\nmd foo I T30\r\nmg foo\r\n");
            fixture.output();
            long cas = casOf("foo");
            assertThat(send("ms foo 1 T90 C1\r\nf\r\n")).isEqualTo("EX\r\n");
            assertThat(send("ms foo 1 I T90 C1\r\nf\r\n")).isEqualTo("HD\r\n");
            assertThat(send("mg foo v t\r\n")).isEqualTo("VA 1 t30 Z X\r\nf\r\n");
            // the winner recaches with the CAS it read: no flags any more
            long staleCas = casOf("foo");
            assertThat(staleCas).isNotEqualTo(cas);
            assertThat(send("ms foo 1 T90 C" + staleCas + "\r\ng\r\nmg foo v t\r\n")).isEqualTo("HD\r\nVA 1 t90\r\ng\r\n");
        }

        @Test
        void recacheWindowWinsOnceWhenTheTtlIsBelowR() {
            send("set foo 0 100 3\r\nabc\r\n");
            assertThat(send("mg foo R30 v\r\n")).isEqualTo("VA 3\r\nabc\r\n");
            assertThat(send("mg foo R200 v\r\nmg foo R200 v\r\nmg foo v\r\n"))
                    .isEqualTo("VA 3 W\r\nabc\r\nVA 3 Z\r\nabc\r\nVA 3 Z\r\nabc\r\n");
        }

        /** memcached applies R and T in the client's order: R before T sees the old TTL. */
        @Test
        void recacheComparesWithTheTtlAsOfItsPlaceOnTheLine() {
            send("set a 0 100 1\r\nx\r\nset b 0 100 1\r\nx\r\n");
            assertThat(send("mg a R200 T300 t\r\nmg a R200 t\r\n")).isEqualTo("HD t300 W\r\nHD t300 Z\r\n");
            assertThat(send("mg b T300 R200 t\r\n")).isEqualTo("HD t300\r\n");
        }

        @Test
        void vivifyWinsOnceAndLaterReadersSeeZ() {
            assertThat(send("mg foo N30 s v t\r\n")).isEqualTo("VA 0 s0 t30 W\r\n\r\n");
            assertThat(send("mg foo N30 s v t\r\nmg foo N30 q s\r\n")).isEqualTo("VA 0 s0 t30 Z\r\n\r\nHD s0 Z\r\n");
            // a quiet vivify still answers (it is a hit)
            assertThat(send("mg bar N30 q s\r\nmn\r\n")).isEqualTo("HD s0 W\r\nMN\r\n");
        }
    }

    /** Each meta read is one command-layer operation, counted once (memcached: with T, as a touch). */
    @Nested
    class Counting {

        @Test
        void mgWithTCountsATouchNotAGet() {
            send("set foo 0 0 1\r\nx\r\n");
            long gets = stat("cmd_get");
            long touches = stat("cmd_touch");
            long touchHits = stat("touch_hits");
            send("mg foo T30 v\r\n");
            assertThat(stat("cmd_touch")).isEqualTo(touches + 1);
            assertThat(stat("touch_hits")).isEqualTo(touchHits + 1);
            assertThat(stat("cmd_get")).isEqualTo(gets);
        }

        @Test
        void mgVivifyCountsOneGetHit() {
            long gets = stat("cmd_get");
            long hits = stat("get_hits");
            long misses = stat("get_misses");
            send("mg foo N30 v\r\n");
            assertThat(stat("cmd_get")).isEqualTo(gets + 1);
            assertThat(stat("get_hits")).isEqualTo(hits + 1);
            assertThat(stat("get_misses")).isEqualTo(misses);
        }
    }
}
