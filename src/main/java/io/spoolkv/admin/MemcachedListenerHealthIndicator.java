package io.spoolkv.admin;

import io.spoolkv.server.MemcachedServer;
import java.net.InetSocketAddress;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health contributor {@code memcachedListener}, part of the readiness group: DOWN until the memcached
 * listener is bound and again from the moment shutdown starts draining connections.
 */
@Component
public class MemcachedListenerHealthIndicator implements HealthIndicator {

    private final MemcachedServer server;

    public MemcachedListenerHealthIndicator(MemcachedServer server) {
        this.server = server;
    }

    @Override
    public Health health() {
        InetSocketAddress bound = server.boundAddress();
        if (server.isAcceptingConnections() && bound != null) {
            return Health.up()
                    .withDetail("address", bound.getHostString())
                    .withDetail("port", bound.getPort())
                    .withDetail("transport", server.transport().label())
                    .build();
        }
        return Health.down().withDetail("reason", server.isDraining() ? "shutting down" : "not listening").build();
    }
}
