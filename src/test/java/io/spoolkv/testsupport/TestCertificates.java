package io.spoolkv.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test-only key pairs and certificates, made at test time with the JDK's keytool (nothing private is committed):
 * self-signed EC certificates, each in a PKCS12 keystore, as PEM files, and trust stores holding a peer's
 * certificate. Also opens JDK TLS client sockets with them.
 */
public final class TestCertificates {

    public static final char[] PASSWORD = "changeit".toCharArray();

    /** One identity: its PKCS12 keystore, its certificate and key as PEM files, and a trust store of just it. */
    public record Identity(Path keystore, Path certificatePem, Path privateKeyPem, Path truststore,
                           X509Certificate certificate) {
    }

    private TestCertificates() {
    }

    /** A new self-signed identity valid for localhost and 127.0.0.1, its files in {@code dir}. */
    public static Identity create(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            Path keystore = dir.resolve(name + ".p12");
            Files.deleteIfExists(keystore);
            keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=" + name, "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                    "-storetype", "PKCS12", "-keystore", keystore.toString(),
                    "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD));
            KeyStore ks = load(keystore);
            X509Certificate cert = (X509Certificate) ks.getCertificate(name);
            PrivateKey key = (PrivateKey) ks.getKey(name, PASSWORD);
            Path certPem = dir.resolve(name + ".crt");
            Path keyPem = dir.resolve(name + ".key");
            Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
            Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
            Path truststore = dir.resolve(name + "-trust.p12");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(name, cert);
            try (OutputStream out = Files.newOutputStream(truststore)) {
                trust.store(out, PASSWORD);
            }
            return new Identity(keystore, certPem, keyPem, truststore, cert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A JDK TLS socket to 127.0.0.1:port, handshake done.
     *
     * @param trusted the server certificate the client trusts
     * @param own the client's certificate, or null for none
     */
    public static SSLSocket connect(int port, Identity trusted, Identity own) throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(trusted.truststore()));
            KeyManagerFactory kmf = null;
            if (own != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(own.keystore()), PASSWORD);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            Socket plain = new Socket();
            plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            plain.setSoTimeout(10_000);
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true);
            tls.startHandshake();
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyStore load(Path file) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The certificate the server presented on this socket. */
    public static Certificate serverCertificate(SSLSocket socket) throws IOException {
        return socket.getSession().getPeerCertificates()[0];
    }
}
