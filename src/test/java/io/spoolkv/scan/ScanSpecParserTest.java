package io.spoolkv.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spoolkv.store.Key;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RangeScanCreate's JSON as kv_engine's range_scan_create.md defines it: what is accepted, and what is refused. */
class ScanSpecParserTest {

    private static ScanSpec parse(String json) throws ScanSpecParser.Invalid {
        return ScanSpecParser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Property: an inclusive range decodes its base64 bounds; key_only defaults to false (documents). */
    @Test
    void inclusiveRange() throws Exception {
        ScanSpec spec = parse("{\"range\":{\"start\":\"" + b64("user") + "\",\"end\":\"" + b64("user\u00ff") + "\"}}");
        assertThat(spec.start()).isEqualTo(Key.wrap("user".getBytes()));
        assertThat(spec.end()).isEqualTo(Key.wrap(new byte[] {'u', 's', 'e', 'r', (byte) 0xff}));
        assertThat(spec.startExclusive()).isFalse();
        assertThat(spec.endExclusive()).isFalse();
        assertThat(spec.keyOnly()).isFalse();
        assertThat(spec.sampling()).isFalse();
    }

    /** Property: excl_start/excl_end make the bounds exclusive; the default collection "0" is accepted. */
    @Test
    void exclusiveRangeKeyOnlyDefaultCollection() throws Exception {
        ScanSpec spec = parse("{\"collection\":\"0\",\"key_only\":true,\"range\":{\"excl_start\":\"" + b64("a")
                + "\",\"excl_end\":\"" + b64("c") + "\"}}");
        assertThat(spec.startExclusive()).isTrue();
        assertThat(spec.endExclusive()).isTrue();
        assertThat(spec.keyOnly()).isTrue();
        assertThat(spec.pastEnd(Key.of("b"))).isFalse();
        assertThat(spec.pastEnd(Key.of("c"))).isTrue();
        assertThat(spec.beforeStart(Key.of("a"))).isTrue();
    }

    /** Property: sampling takes samples and an optional seed (0 when absent). */
    @Test
    void sampling() throws Exception {
        ScanSpec spec = parse("{\"sampling\":{\"samples\":12,\"seed\":99}}");
        assertThat(spec.sampling()).isTrue();
        assertThat(spec.samples()).isEqualTo(12);
        assertThat(spec.seed()).isEqualTo(99);
        assertThat(parse("{\"sampling\":{\"samples\":3}}").seed()).isZero();
    }

    /** Property: every malformed create is refused as invalid (EINVAL), never accepted half-read. */
    @Test
    void malformedIsInvalid() {
        for (String bad : new String[] {"", "not json", "[]", "{}", "{\"range\":{}}",
                "{\"range\":{\"start\":\"YQ==\"}}",
                "{\"range\":{\"start\":\"YQ==\",\"excl_start\":\"YQ==\",\"end\":\"Yw==\"}}",
                "{\"range\":{\"start\":\"%%%\",\"end\":\"Yw==\"}}",
                "{\"range\":{\"start\":1,\"end\":\"Yw==\"}}",
                "{\"range\":{\"start\":\"YQ==\",\"end\":\"Yw==\"},\"sampling\":{\"samples\":1}}",
                "{\"sampling\":{\"samples\":0}}", "{\"sampling\":{\"samples\":-1}}", "{\"sampling\":{}}",
                "{\"sampling\":{\"samples\":1.5}}", "{\"key_only\":\"yes\",\"sampling\":{\"samples\":1}}",
                "{\"collection\":0,\"sampling\":{\"samples\":1}}",
                // review finding 16: a collection id is hex; anything else is invalid, not "unknown"
                "{\"collection\":\"zz\",\"sampling\":{\"samples\":1}}",
                "{\"collection\":\"0x\",\"sampling\":{\"samples\":1}}",
                "{\"collection\":\"\",\"sampling\":{\"samples\":1}}",
                "{\"collection\":\"-1\",\"sampling\":{\"samples\":1}}"}) {
            assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOfSatisfying(ScanSpecParser.Invalid.class,
                    e -> assertThat(e.unknownCollection() || e.notSupported()).as(bad).isFalse());
        }
    }

    /** Property: another collection is "unknown collection", not invalid: spoolkv has the default one only. */
    @Test
    void otherCollectionIsUnknown() {
        assertThatThrownBy(() -> parse("{\"collection\":\"8\",\"sampling\":{\"samples\":1}}"))
                .isInstanceOfSatisfying(ScanSpecParser.Invalid.class, e -> assertThat(e.unknownCollection()).isTrue());
    }

    /** Property (review finding 16): the default collection may be spelt as any hex zero. */
    @Test
    void hexZeroIsTheDefaultCollection() throws Exception {
        for (String zero : new String[] {"0", "00", "0x0", "0X00"}) {
            assertThat(parse("{\"collection\":\"" + zero + "\",\"sampling\":{\"samples\":1}}").samples())
                    .as(zero).isEqualTo(1);
        }
        assertThatThrownBy(() -> parse("{\"collection\":\"0x8\",\"sampling\":{\"samples\":1}}"))
                .isInstanceOfSatisfying(ScanSpecParser.Invalid.class, e -> assertThat(e.unknownCollection()).isTrue());
    }

    /**
     * Property (review finding 9): snapshot_requirements are refused as not supported (spoolkv has no seqnos to
     * honour them), never silently ignored.
     */
    @Test
    void snapshotRequirementsAreNotSupported() {
        assertThatThrownBy(() -> parse("{\"range\":{\"start\":\"YQ==\",\"end\":\"Yw==\"},"
                + "\"snapshot_requirements\":{\"vb_uuid\":\"1\",\"seqno\":1}}"))
                .isInstanceOfSatisfying(ScanSpecParser.Invalid.class, e -> assertThat(e.notSupported()).isTrue());
    }
}
