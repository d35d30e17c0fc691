package io.spoolkv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.spoolkv.config.TlsProperties;
import io.spoolkv.testsupport.TestCertificates;
import io.spoolkv.testsupport.TestCertificates.Identity;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.jks.JksSslStoreBundle;
import org.springframework.boot.ssl.jks.JksSslStoreDetails;

/** Building the server's TLS context from bundles: startup refusals, the handshake timeout, and a bad reload. */
class ServerTlsTest {

    static Identity server;
    static Identity client;

    @BeforeAll
    static void certificates(@TempDir Path dir) {
        server = TestCertificates.create(dir, "server");
        client = TestCertificates.create(dir, "client");
    }

    private static SslBundle bundle(Identity key, Identity trust) {
        String password = new String(TestCertificates.PASSWORD);
        JksSslStoreDetails keystore = new JksSslStoreDetails("PKCS12", null, "file:" + key.keystore(), password);
        JksSslStoreDetails truststore = trust == null ? null
                : new JksSslStoreDetails("PKCS12", null, "file:" + trust.truststore(), password);
        return SslBundle.of(new JksSslStoreBundle(keystore, truststore));
    }

    private static ObjectProvider<SslBundles> provider(SslBundles bundles) {
        DefaultListableBeanFactory factory = new DefaultListableBeanFactory();
        factory.registerSingleton("sslBundles", bundles);
        return factory.getBeanProvider(SslBundles.class);
    }

    private static TlsProperties tls(String bundle, TlsProperties.ClientAuth auth) {
        return new TlsProperties(bundle, auth, Duration.ofMillis(1234));
    }

    @Test
    void offWithoutABundleName() {
        ServerTls off = new ServerTls(tls(null, TlsProperties.ClientAuth.NONE), provider(new DefaultSslBundleRegistry()));
        assertThat(off.enabled()).isFalse();
    }

    @Test
    void anUnknownBundleStopsStartup() {
        assertThatThrownBy(() -> new ServerTls(tls("nope", TlsProperties.ClientAuth.NONE),
                provider(new DefaultSslBundleRegistry()))).isInstanceOf(NoSuchSslBundleException.class);
    }

    @Test
    void clientAuthWithoutATrustStoreStopsStartup() {
        DefaultSslBundleRegistry registry = new DefaultSslBundleRegistry("mc", bundle(server, null));
        assertThatThrownBy(() -> new ServerTls(tls("mc", TlsProperties.ClientAuth.WANT), provider(registry)))
                .hasMessage("spoolkv.server.ssl.client-auth=want needs a trust store in SSL bundle 'mc'");
    }

    @Test
    void handlersCarryTheHandshakeTimeout() {
        ServerTls tls = new ServerTls(tls("mc", TlsProperties.ClientAuth.NONE),
                provider(new DefaultSslBundleRegistry("mc", bundle(server, null))));
        EmbeddedChannel ch = new EmbeddedChannel();
        SslHandler handler = tls.newHandler(ch);
        assertThat(handler.getHandshakeTimeoutMillis()).isEqualTo(1234);
        assertThat(handler.engine().getUseClientMode()).isFalse();
        ch.finishAndReleaseAll();
    }

    /** A changed bundle that cannot be used keeps the previous context; a good one is taken and counted. */
    @Test
    void aBadReloadKeepsThePreviousContextAndAGoodOneIsTaken() {
        DefaultSslBundleRegistry registry = new DefaultSslBundleRegistry("mc", bundle(server, client));
        ServerTls tls = new ServerTls(tls("mc", TlsProperties.ClientAuth.NEED), provider(registry));
        registry.updateBundle("mc", bundle(server, null)); // no trust store: unusable with client-auth need
        assertThat(tls.reloads()).isZero();
        assertThat(tls.enabled()).isTrue();
        registry.updateBundle("mc", bundle(client, client));
        assertThat(tls.reloads()).isEqualTo(1);
    }
}
