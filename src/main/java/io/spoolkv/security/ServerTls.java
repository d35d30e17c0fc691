package io.spoolkv.security;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.spoolkv.config.TlsProperties;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.stereotype.Component;

/**
 * TLS for the memcached port ({@code spoolkv.server.ssl.*}): builds the server's {@link SslContext} from a
 * Spring Boot SSL bundle and makes each connection's {@link SslHandler}. When Spring Boot reloads the bundle
 * ({@code reload-on-update}), the context is rebuilt and new connections use it; open ones keep theirs. JDK
 * provider: netty-tcnative was not measured here, so no native dependency is taken.
 */
@Component
public class ServerTls {

    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    private final TlsProperties properties;
    private final long handshakeTimeoutMillis;
    private final AtomicLong handshakeFailures = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    /** Swapped on reload; null when TLS is off. */
    private volatile SslContext context;

    public ServerTls(TlsProperties properties, ObjectProvider<SslBundles> bundles) {
        this.properties = properties;
        this.handshakeTimeoutMillis = properties.handshakeTimeout().toMillis();
        if (!properties.enabled()) {
            return;
        }
        SslBundles registry = bundles.getIfAvailable();
        if (registry == null) {
            throw new IllegalStateException("spoolkv.server.ssl.bundle=" + properties.bundle()
                    + " but no SSL bundles are configured (spring.ssl.bundle.*)");
        }
        String name = properties.bundle();
        this.context = build(registry.getBundle(name));
        registry.addBundleUpdateHandler(name, this::reload);
        LOG.info("TLS on the memcached port with SSL bundle '{}', client-auth {}", name,
                properties.clientAuth().name().toLowerCase());
    }

    private SslContext build(SslBundle bundle) {
        if (properties.clientAuth() != TlsProperties.ClientAuth.NONE && bundle.getStores().getTrustStore() == null) {
            throw new IllegalStateException("spoolkv.server.ssl.client-auth=" + properties.clientAuth().name()
                    .toLowerCase() + " needs a trust store in SSL bundle '" + properties.bundle() + "'");
        }
        SslContextBuilder builder = SslContextBuilder.forServer(bundle.getManagers().getKeyManagerFactory())
                .sslProvider(SslProvider.JDK)
                .clientAuth(switch (properties.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case WANT -> ClientAuth.OPTIONAL;
                    case NEED -> ClientAuth.REQUIRE;
                });
        if (properties.clientAuth() != TlsProperties.ClientAuth.NONE) {
            builder.trustManager(bundle.getManagers().getTrustManagerFactory());
        }
        SslOptions options = bundle.getOptions();
        if (options.getEnabledProtocols() != null) {
            builder.protocols(options.getEnabledProtocols());
        }
        if (options.getCiphers() != null) {
            builder.ciphers(Arrays.asList(options.getCiphers()));
        }
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("SSL bundle '" + properties.bundle() + "' is unusable: " + e.getMessage(), e);
        }
    }

    /** Spring Boot's watcher thread, after the bundle's files changed. A bad new bundle keeps the old context. */
    private void reload(SslBundle bundle) {
        try {
            context = build(bundle);
            reloads.incrementAndGet();
            LOG.info("SSL bundle '{}' reloaded: new connections use the new certificate", properties.bundle());
        } catch (RuntimeException e) {
            LOG.error("SSL bundle '{}' changed but cannot be used; keeping the previous certificate: {}",
                    properties.bundle(), e.getMessage());
        }
    }

    public boolean enabled() {
        return context != null;
    }

    /**
     * The connection's TLS handler: closes the connection when the handshake has not finished within
     * {@code spoolkv.server.ssl.handshake-timeout}, and counts failed handshakes.
     */
    public SslHandler newHandler(Channel channel) {
        SslHandler handler = context.newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        handler.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                handshakeFailures.incrementAndGet();
                LOG.debug("TLS handshake with {} failed: {}", channel.remoteAddress(), f.cause().toString());
            }
        });
        return handler;
    }

    public long handshakeFailures() {
        return handshakeFailures.get();
    }

    /** Times the bundle was reloaded and taken into use. */
    public long reloads() {
        return reloads.get();
    }
}
