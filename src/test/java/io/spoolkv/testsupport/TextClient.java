package io.spoolkv.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A blocking memcached text-protocol client for tests: sends raw bytes, reads lines and blocks. */
public final class TextClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public TextClient(int port) throws IOException {
        this(port, 0);
    }

    /** Over a socket already connected (a TLS socket, for instance). */
    public TextClient(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(30_000);
        in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    /** @param receiveBuffer SO_RCVBUF to ask for (small values make a slow reader); 0 for the default */
    public TextClient(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    public TextClient send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /**
     * Sends {@code stats [group]} (null: the general block) and reads its {@code STAT name value} lines up to
     * END, in order.
     *
     * @throws IOException also when a line is not a STAT line or the stream ends first
     */
    public Map<String, String> stats(String group) throws IOException {
        send(group == null ? "stats\r\n" : "stats " + group + "\r\n");
        Map<String, String> out = new LinkedHashMap<>();
        for (String line = line(); !"END".equals(line); line = line()) {
            int space = line == null || !line.startsWith("STAT ") ? -1 : line.indexOf(' ', 5);
            if (space < 0) {
                throw new IOException("not a STAT line: " + line);
            }
            out.put(line.substring(5, space), line.substring(space + 1));
        }
        return out;
    }

    /** One line without its CRLF (or LF); null at end of stream. */
    public String line() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = buf.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            buf.write(b);
        }
        return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
    }

    /** Exactly {@code n} bytes. */
    public byte[] bytes(int n) throws IOException {
        return in.readNBytes(n);
    }

    public InputStream input() {
        return in;
    }

    public Socket socket() {
        return socket;
    }

    /** True once the server closed the connection (reads end of stream within the timeout). */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
