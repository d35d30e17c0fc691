package io.spoolkv.it;

import static io.spoolkv.testsupport.RangeScanClient.b64;
import static io.spoolkv.testsupport.RangeScanClient.cancel;
import static io.spoolkv.testsupport.RangeScanClient.continueScan;
import static io.spoolkv.testsupport.RangeScanClient.create;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.spoolkv.admin.ScanEndpoint;
import io.spoolkv.scan.ScanRegistry;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.store.ItemStore;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.BinaryPackets;
import io.spoolkv.testsupport.RangeScanClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * kv_engine's range scans over loopback with a raw binary client: create/continue/cancel byte for byte, limits,
 * key order, documents, errors with kv_engine's statuses, max-open, idle expiry and disconnect, sampling.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1",
        "spoolkv.store.max-memory=64MB", "spoolkv.scan.max-open=4", "spoolkv.scan.max-lifetime=2s"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RangeScanIT {

    private static final int KEYS = 1000;

    @Autowired
    MemcachedServer server;
    @Autowired
    ItemStore store;
    @Autowired
    ScanRegistry scans;
    @Autowired
    ScanEndpoint endpoint;
    @Autowired
    MeterRegistry meters;

    @BeforeAll
    void fill() {
        for (int i = 0; i < KEYS; i++) {
            store.store(StoreRequest.of(StoreMode.SET, Key.of(key(i)), ("v" + i).getBytes(), i, 0));
        }
    }

    private static String key(int i) {
        return String.format("rs:%04d", i);
    }

    private static List<String> keys(int from, int toInclusive) {
        return IntStream.rangeClosed(from, toInclusive).mapToObj(RangeScanIT::key).toList();
    }

    private static String range(String start, String end, boolean keyOnly) {
        return "{\"key_only\":" + keyOnly + ",\"range\":{\"start\":\"" + b64(start) + "\",\"end\":\"" + b64(end) + "\"}}";
    }

    private RangeScanClient client() throws Exception {
        return new RangeScanClient(server.port(), 0);
    }

    private double count(String name) {
        return meters.get("spoolkv.range.scans." + name).counter().count();
    }

    /**
     * Property: a key-only scan answers its inclusive range in key order, each key once, across continues cut by
     * the item limit (0xA6), ends with 0xA7, then is forgotten (0x01); the request after a continue is answered
     * after it, and the opaque is echoed.
     */
    @Test
    void keyOnlyScanStreamsTheRangeInOrderAcrossContinues() throws Exception {
        double completed = count("completed");
        try (RangeScanClient c = client()) {
            byte[] id = c.created(range(key(100), key(199), true));
            List<String> seen = new ArrayList<>();
            int continues = 0;
            for (;;) {
                c.send(continueScan(0x55, id, 30, 0, 0), BinaryPackets.empty(0x0a, 0x66)); // NOOP behind it
                RangeScanClient.Continued part = c.readContinue(true);
                part.responses().forEach(r -> assertThat(r.opaque()).isEqualTo(0x55));
                assertThat(c.read().opaque()).as("the NOOP after the continue comes after all of it").isEqualTo(0x66);
                seen.addAll(part.keys());
                continues++;
                if (part.finalStatus() == 0xa7) {
                    break;
                }
                assertThat(part.finalStatus()).isEqualTo(0xa6);
                assertThat(part.keys()).hasSize(30);
            }
            assertThat(seen).containsExactlyElementsOf(keys(100, 199));
            assertThat(continues).isEqualTo(4);
            c.send(continueScan(2, id, 0, 0, 0));
            assertThat(c.read().status()).as("a completed scan is gone").isEqualTo(0x01);
        }
        assertThat(count("completed")).isEqualTo(completed + 1);
    }

    /** Property: exclusive bounds leave the bound keys out; documents carry flags, CAS and value as a GET sees them. */
    @Test
    void documentScanWithExclusiveBounds() throws Exception {
        try (RangeScanClient c = client()) {
            byte[] id = c.created("{\"range\":{\"excl_start\":\"" + b64(key(10)) + "\",\"excl_end\":\"" + b64(key(15))
                    + "\"}}");
            c.send(continueScan(1, id, 0, 0, 0));
            RangeScanClient.Continued all = c.readContinue(false);
            assertThat(all.finalStatus()).isEqualTo(0xa7);
            assertThat(all.keys()).containsExactlyElementsOf(keys(11, 14));
            for (RangeScanClient.Document d : all.documents()) {
                c.send(BinaryPackets.keyOnly(0x00, 9, d.key()));
                BinaryPackets.Response get = c.read();
                int i = Integer.parseInt(d.key().substring(3));
                assertThat(d.value()).isEqualTo("v" + i).isEqualTo(get.valueText());
                assertThat(d.flags()).isEqualTo(i).isEqualTo(get.flags());
                assertThat(d.cas()).isEqualTo(get.cas());
                assertThat(d.expiry()).isZero();
                assertThat(d.datatype()).isZero();
            }
        }
    }

    /** Property: a byte limit (and a time limit) still sends at least one key per continue, whole. */
    @Test
    void byteAndTimeLimitsSendAtLeastOneKey() throws Exception {
        try (RangeScanClient c = client()) {
            byte[] id = c.created(range(key(500), key(502), true));
            c.send(continueScan(1, id, 0, 0, 1));
            RangeScanClient.Continued first = c.readContinue(true);
            assertThat(first.keys()).containsExactly(key(500));
            assertThat(first.finalStatus()).isEqualTo(0xa6);
            c.send(continueScan(1, id, 0, 1, 0));
            RangeScanClient.Continued rest = c.readContinue(true);
            assertThat(rest.keys()).isNotEmpty();
            List<String> all = new ArrayList<>(first.keys());
            all.addAll(rest.keys());
            while (rest.finalStatus() == 0xa6) {
                c.send(continueScan(1, id, 0, 1, 0));
                rest = c.readContinue(true);
                all.addAll(rest.keys());
            }
            assertThat(rest.finalStatus()).isEqualTo(0xa7);
            assertThat(all).containsExactlyElementsOf(keys(500, 502));
        }
    }

    /**
     * Property: bad creates, continues and cancels get kv_engine's statuses and the connection goes on: an empty
     * range or unknown id 0x01, bad JSON 0x04, another collection 0x88 (a non-hex one 0x04), snapshot_requirements
     * 0x83, another vbucket 0x07.
     */
    @Test
    void errorsAnswerKvEngineStatusesAndTheConnectionGoesOn() throws Exception {
        byte[] unknown = ByteBuffer.allocate(16).putLong(UUID.randomUUID().getMostSignificantBits()).putLong(7).array();
        try (RangeScanClient c = client()) {
            c.send(create(1, range(key(5), key(4), true)));
            assertThat(c.read().status()).as("start after end").isEqualTo(0x01);
            c.send(create(1, range("zz", "zzz", true)));
            assertThat(c.read().status()).as("nothing in range").isEqualTo(0x01);
            c.send(create(1, "{\"range\":"));
            assertThat(c.read().status()).as("bad JSON").isEqualTo(0x04);
            c.send(create(1, "{\"collection\":\"8\",\"range\":{\"start\":\"YQ==\",\"end\":\"Yg==\"}}"));
            assertThat(c.read().status()).as("other collection").isEqualTo(0x88);
            c.send(create(1, "{\"collection\":\"zz\",\"range\":{\"start\":\"YQ==\",\"end\":\"Yg==\"}}"));
            assertThat(c.read().status()).as("non-hex collection").isEqualTo(0x04);
            c.send(create(1, "{\"snapshot_requirements\":{\"seqno\":1},\"range\":{\"start\":\"YQ==\",\"end\":\"Yg==\"}}"));
            assertThat(c.read().status()).as("snapshot_requirements: not supported").isEqualTo(0x83);
            byte[] vb1 = create(1, range(key(1), key(2), true));
            vb1[7] = 1; // vbucket 1
            c.send(vb1);
            assertThat(c.read().status()).as("other vbucket").isEqualTo(0x07);
            c.send(continueScan(1, unknown, 0, 0, 0));
            assertThat(c.read().status()).isEqualTo(0x01);
            c.send(cancel(1, unknown));
            assertThat(c.read().status()).isEqualTo(0x01);
            c.send(BinaryPackets.request(RangeScanClient.CONTINUE, 3, 0, new byte[16], new byte[0], new byte[0]));
            assertThat(c.read().status()).as("continue without its limits: malformed").isEqualTo(0x04);
        }
        try (RangeScanClient c = client()) {
            c.send(BinaryPackets.empty(0x0a, 4));
            assertThat(c.read().status()).isZero();
        }
    }

    /**
     * Property: at most spoolkv.scan.max-open scans (4 here) are open; the next create is "temporary failure"
     * (0x86) until one is cancelled; a cancelled id is forgotten; the connection's scans end when it closes (counted), and the
     * actuator endpoint lists open scans.
     */
    @Test
    void maxOpenCancelDisconnectAndTheEndpoint() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> scans.openCount() == 0);
        double disconnected = count("disconnected");
        double refused = count("refused");
        try (RangeScanClient c = client()) {
            List<byte[]> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ids.add(c.created(range(key(0), key(9), true)));
            }
            assertThat(endpoint.scans()).extracting(ScanRegistry.OpenScan::id).hasSize(4).contains(uuid(ids.get(0)));
            c.send(create(1, range(key(0), key(9), true)));
            assertThat(c.read().status()).as("past max-open: Etmpfail, not Ebusy").isEqualTo(0x86);
            assertThat(count("refused")).isEqualTo(refused + 1);
            c.send(cancel(2, ids.get(0)));
            assertThat(c.read().status()).isZero();
            c.send(continueScan(3, ids.get(0), 0, 0, 0));
            assertThat(c.read().status()).as("cancelled id").isEqualTo(0x01);
            ids.set(0, c.created(range(key(0), key(9), true)));
            assertThat(scans.openCount()).isEqualTo(4);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> scans.openCount() == 0);
        assertThat(count("disconnected")).isEqualTo(disconnected + 4);
    }

    /** Property: a scan left idle for spoolkv.scan.max-lifetime (2 s here) is forgotten and counted. */
    @Test
    void idleScanExpires() throws Exception {
        double expired = count("expired");
        try (RangeScanClient c = client()) {
            byte[] id = c.created(range(key(0), key(50), true));
            c.send(continueScan(1, id, 5, 0, 0));
            assertThat(c.readContinue(true).finalStatus()).isEqualTo(0xa6);
            await().atMost(Duration.ofSeconds(10)).until(() -> count("expired") > expired);
            c.send(continueScan(1, id, 5, 0, 0));
            assertThat(c.read().status()).isEqualTo(0x01);
        }
    }

    /**
     * Property: sampling picks exactly the asked number of distinct keys, in key order, the same ones for the same
     * seed; more samples than keys is "out of range" (0x22).
     */
    @Test
    void samplingIsExactAndSeeded() throws Exception {
        try (RangeScanClient c = client()) {
            List<List<String>> runs = new ArrayList<>();
            for (int run = 0; run < 2; run++) {
                byte[] id = c.created("{\"key_only\":true,\"sampling\":{\"samples\":25,\"seed\":1234}}");
                c.send(continueScan(1, id, 0, 0, 0));
                RangeScanClient.Continued sample = c.readContinue(true);
                assertThat(sample.finalStatus()).isEqualTo(0xa7);
                assertThat(sample.keys()).hasSize(25).doesNotHaveDuplicates().isSorted();
                runs.add(sample.keys());
            }
            assertThat(runs.get(0)).isEqualTo(runs.get(1));
            byte[] other = c.created("{\"key_only\":true,\"sampling\":{\"samples\":25,\"seed\":99}}");
            c.send(continueScan(1, other, 0, 0, 0));
            assertThat(c.readContinue(true).keys()).isNotEqualTo(runs.get(0));
            c.send(create(1, "{\"sampling\":{\"samples\":" + (KEYS + 1) + "}}"));
            assertThat(c.read().status()).isEqualTo(0x22);
        }
    }

    private static String uuid(byte[] id) {
        ByteBuffer b = ByteBuffer.wrap(id);
        return new UUID(b.getLong(), b.getLong()).toString();
    }
}
