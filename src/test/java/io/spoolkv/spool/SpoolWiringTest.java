package io.spoolkv.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.spoolkv.background.BackgroundExecutor;
import io.spoolkv.config.BackgroundProperties;
import io.spoolkv.config.SpoolProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** The two beans wire from their properties, the reaper starts with the context, and the meters exist. */
class SpoolWiringTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({SpoolProperties.class, BackgroundProperties.class})
    @Import({BackgroundExecutor.class, SpoolService.class})
    static class Config {
    }

    @Test
    void beansWireFromProperties() {
        new ApplicationContextRunner()
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withUserConfiguration(Config.class)
                .withPropertyValues("spoolkv.spool.high-water-bytes=2MB", "spoolkv.spool.stuck-timeout=10s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    SpoolService service = context.getBean(SpoolService.class);
                    assertThat(service.isRunning()).isTrue();
                    assertThat(service.totals().maxTotalBytes()).isEqualTo(64L * 1024 * 1024);
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.find("spoolkv.spool.depth").gauge()).isNotNull();
                    assertThat(registry.find("spoolkv.spool.flush.latency").timer()).isNotNull();
                    assertThat(registry.find("spoolkv.background.queued").gauge()).isNotNull();
                });
    }
}
