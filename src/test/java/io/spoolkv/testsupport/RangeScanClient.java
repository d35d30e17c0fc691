package io.spoolkv.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A raw binary-protocol client for kv_engine's range scans over a loopback socket: it builds the three requests
 * and decodes continue values by hand (uleb128 lengths, the 25-byte document metadata), independently of the
 * server's encoder.
 */
public final class RangeScanClient implements AutoCloseable {

    public static final int CREATE = 0xda;
    public static final int CONTINUE = 0xdb;
    public static final int CANCEL = 0xdc;

    /** One document of a continue value. */
    public record Document(int flags, int expiry, long seqno, long cas, int datatype, String key, String value) {
    }

    /** Everything one continue answered: the keys in order, the documents (for a document scan), every response. */
    public record Continued(List<String> keys, List<Document> documents, List<BinaryPackets.Response> responses) {
        public int finalStatus() {
            return responses.get(responses.size() - 1).status();
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** @param receiveBuffer the socket's receive buffer (small, to stop reading early); 0 for the default */
    public RangeScanClient(int port, int receiveBuffer) throws IOException {
        this(connect(port, receiveBuffer));
    }

    /** Over a socket already connected (a TLS socket, for instance). */
    public RangeScanClient(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    private static Socket connect(int port, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer); // before connect, so the window is small from the start
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return socket;
    }

    public static String b64(String key) {
        return Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.ISO_8859_1));
    }

    public static byte[] create(int opaque, String json) {
        return BinaryPackets.request(CREATE, opaque, 0, new byte[0], new byte[0], json.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] continueScan(int opaque, byte[] id, long items, long millis, long bytes) {
        byte[] extras = ByteBuffer.allocate(28).put(id).putInt((int) items).putInt((int) millis).putInt((int) bytes)
                .array();
        return BinaryPackets.request(CONTINUE, opaque, 0, extras, new byte[0], new byte[0]);
    }

    public static byte[] cancel(int opaque, byte[] id) {
        return BinaryPackets.request(CANCEL, opaque, 0, id, new byte[0], new byte[0]);
    }

    public RangeScanClient send(byte[]... packets) throws IOException {
        out.write(BinaryPackets.concat(packets));
        out.flush();
        return this;
    }

    public BinaryPackets.Response read() throws IOException {
        BinaryPackets.Response r = BinaryPackets.read(in);
        assertThat(r.magic()).as("response magic").isEqualTo(0x81);
        return r;
    }

    /** Creates a scan and returns its 16-byte id, asserting success. */
    public byte[] created(String json) throws IOException {
        send(create(1, json));
        BinaryPackets.Response r = read();
        assertThat(r.status()).as("create status").isZero();
        assertThat(r.value()).hasSize(16);
        return r.value();
    }

    /** Reads one continue's responses: status 0x00 ones, then the one that ends it (any other status). */
    public Continued readContinue(boolean keyOnly) throws IOException {
        List<String> keys = new ArrayList<>();
        List<Document> documents = new ArrayList<>();
        List<BinaryPackets.Response> responses = new ArrayList<>();
        for (;;) {
            BinaryPackets.Response r = read();
            responses.add(r);
            assertThat(r.opcode()).isEqualTo(CONTINUE);
            if (r.extras().length == 4) {
                assertThat(r.flags()).as("flags extras: 0 keys, 1 documents").isEqualTo(keyOnly ? 0 : 1);
            }
            ByteBuffer v = ByteBuffer.wrap(r.value());
            while (v.hasRemaining()) {
                if (keyOnly) {
                    keys.add(string(v, uleb128(v)));
                } else {
                    int flags = v.getInt();
                    int expiry = v.getInt();
                    long seqno = v.getLong();
                    long cas = v.getLong();
                    int datatype = v.get() & 0xff;
                    String key = string(v, uleb128(v));
                    String value = string(v, uleb128(v));
                    keys.add(key);
                    documents.add(new Document(flags, expiry, seqno, cas, datatype, key, value));
                }
            }
            if (r.status() != 0) {
                return new Continued(keys, documents, responses);
            }
        }
    }

    private static int uleb128(ByteBuffer v) {
        int value = 0;
        for (int shift = 0; ; shift += 7) {
            int b = v.get() & 0xff;
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }

    private static String string(ByteBuffer v, int length) {
        byte[] bytes = new byte[length];
        v.get(bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** True when the server closed the connection. */
    public boolean closed() throws IOException {
        return in.read() == -1;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
