package io.spoolkv.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * Each bad setting stops startup with the failure report naming the property to change: what an operator
 * reads in the log, produced by Spring Boot's failure analysis.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationValidationTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({ServerProperties.class, SpoolProperties.class, StoreProperties.class,
            BackgroundProperties.class, TlsProperties.class, AuthProperties.class, ScanProperties.class})
    static class AllProperties {
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                Arguments.of("spoolkv.spool.low-water-bytes=2MB", "spoolkv.spool.low-water-bytes",
                        "must be below spoolkv.spool.high-water-bytes (1MB)"),
                Arguments.of("spoolkv.spool.low-water-bytes=-1KB", "spoolkv.spool.low-water-bytes",
                        "must not be negative"),
                Arguments.of("spoolkv.spool.high-water-bytes=-1MB", "spoolkv.spool.high-water-bytes",
                        "must be positive"),
                Arguments.of("spoolkv.spool.max-total-bytes=512KB", "spoolkv.spool.max-total-bytes",
                        "must be at least spoolkv.spool.high-water-bytes (1MB)"),
                Arguments.of("spoolkv.spool.drain-max-bytes=0B", "spoolkv.spool.drain-max-bytes",
                        "must be positive"),
                Arguments.of("spoolkv.spool.drain-max-fragments=0", "spoolkv.spool.drain-max-fragments",
                        "must be greater than or equal to 1"),
                Arguments.of("spoolkv.spool.stuck-timeout=0s", "spoolkv.spool.stuck-timeout", "must be positive"),
                Arguments.of("spoolkv.store.max-memory=-64MB", "spoolkv.store.max-memory", "must be positive"),
                Arguments.of("spoolkv.store.max-item-size=128MB", "spoolkv.store.max-item-size",
                        "must not be above spoolkv.store.max-memory (64MB)"),
                Arguments.of("spoolkv.store.slab-chunk-max=1000B", "spoolkv.store.slab-chunk-max",
                        "must be between 1KB and 1MB and divide the 1 MiB slab page evenly (memcached's rule)"),
                Arguments.of("spoolkv.store.slab-chunk-max=2MB", "spoolkv.store.slab-chunk-max",
                        "must be between 1KB and 1MB and divide the 1 MiB slab page evenly (memcached's rule)"),
                // memcached 1.6.18 refuses -I 64k with its default slab_chunk_max, and an -I its chunk max does not divide
                Arguments.of("spoolkv.store.max-item-size=64KB", "spoolkv.store.slab-chunk-max",
                        "must be at most spoolkv.store.max-item-size (64KB) and divide it evenly (memcached's rule)"),
                Arguments.of("spoolkv.store.max-item-size=1100KB", "spoolkv.store.slab-chunk-max",
                        "must be at most spoolkv.store.max-item-size (1100KB) and divide it evenly (memcached's rule)"),
                Arguments.of("spoolkv.store.slab-chunk-max=512B", "spoolkv.store.slab-chunk-max",
                        "must be between 1KB and 1MB and divide the 1 MiB slab page evenly (memcached's rule)"),
                Arguments.of("spoolkv.server.port=70000", "spoolkv.server.port",
                        "must be less than or equal to 65535"),
                Arguments.of("spoolkv.server.port=-1", "spoolkv.server.port",
                        "must be greater than or equal to 0"),
                Arguments.of("spoolkv.server.max-connections=0", "spoolkv.server.max-connections",
                        "must be greater than or equal to 1"),
                Arguments.of("spoolkv.server.shutdown-timeout=-1s", "spoolkv.server.shutdown-timeout",
                        "must not be negative"),
                Arguments.of("spoolkv.server.host=", "spoolkv.server.host", "must not be blank"),
                Arguments.of("spoolkv.server.max-retrieval-line=1KB", "spoolkv.server.max-retrieval-line",
                        "must be between 2KB and 512MB"),
                Arguments.of("spoolkv.background.threads=0", "spoolkv.background.threads",
                        "must be greater than or equal to 1"),
                Arguments.of("spoolkv.background.chunk-bytes=16B", "spoolkv.background.chunk-bytes",
                        "must be between 256B and 1MB"),
                Arguments.of("spoolkv.scan.max-open=0", "spoolkv.scan.max-open",
                        "must be greater than or equal to 1"),
                Arguments.of("spoolkv.scan.max-open-per-connection=0", "spoolkv.scan.max-open-per-connection",
                        "must be greater than or equal to 1"),
                Arguments.of("spoolkv.scan.max-lifetime=500ms", "spoolkv.scan.max-lifetime",
                        "must be at least 1s"),
                Arguments.of("spoolkv.server.ssl.handshake-timeout=0s", "spoolkv.server.ssl.handshake-timeout",
                        "must be positive"),
                Arguments.of("spoolkv.server.ssl.client-auth=need", "spoolkv.server.ssl.client-auth",
                        "needs spoolkv.server.ssl.bundle (TLS is off)"),
                Arguments.of("spoolkv.auth.enabled=true", "spoolkv.auth.credentials-file",
                        "must be set when spoolkv.auth.enabled=true"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void badSettingFailsStartupNamingTheProperty(String setting, String property, String reason,
                                                 CapturedOutput output) {
        SpringApplication app = new SpringApplication(AllProperties.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        assertThatThrownBy(() -> app.run("--" + setting, "--logging.level.root=ERROR")).isNotNull();
        String report = output.getOut() + output.getErr();
        // Cross-field checks report the property itself; Bean Validation annotations report the record
        // component (drainMaxFragments) with the property, as written, on the Origin line.
        assertThat(report).contains("APPLICATION FAILED TO START").contains("Reason: " + reason);
        assertThat(report.contains("Property: " + property + "\n") || report.contains("Origin: \"" + property + "\""))
                .as("the report names %s:%n%s", property, report)
                .isTrue();
    }

    @Test
    void sizesAndDurationsAcceptSpringForms() {
        new ApplicationContextRunner()
                .withUserConfiguration(AllProperties.class)
                .withPropertyValues("spoolkv.spool.max-total-bytes=128MB", "spoolkv.spool.high-water-bytes=2MB",
                        "spoolkv.spool.low-water-bytes=512KB", "spoolkv.spool.stuck-timeout=360s",
                        "spoolkv.server.shutdown-timeout=1m", "spoolkv.store.max-memory=1GB")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    SpoolProperties spool = context.getBean(SpoolProperties.class);
                    assertThat(spool.maxTotalBytes()).isEqualTo(DataSize.ofMegabytes(128));
                    assertThat(spool.lowWaterBytes()).isEqualTo(DataSize.ofKilobytes(512));
                    assertThat(spool.stuckTimeout()).isEqualTo(Duration.ofSeconds(360));
                    assertThat(context.getBean(ServerProperties.class).shutdownTimeout())
                            .isEqualTo(Duration.ofMinutes(1));
                    assertThat(context.getBean(StoreProperties.class).maxMemory()).isEqualTo(DataSize.ofGigabytes(1));
                });
    }

    @Test
    void defaultsAreValid() {
        new ApplicationContextRunner()
                .withUserConfiguration(AllProperties.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(ServerProperties.class).shutdownTimeout())
                            .isEqualTo(Duration.ofSeconds(10));
                    // memcached's default slab_chunk_max (half its 1 MiB page), bound through the record
                    assertThat(context.getBean(StoreProperties.class).slabChunkMax())
                            .isEqualTo(DataSize.ofKilobytes(512));
                });
    }

    /** A credentials file that is not there stops startup, naming the property. */
    @Test
    void authEnabledWithAMissingCredentialsFileFailsStartup(CapturedOutput output) {
        SpringApplication app = new SpringApplication(AllProperties.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        assertThatThrownBy(() -> app.run("--spoolkv.auth.enabled=true", "--spoolkv.auth.credentials-file=/nonexistent/x",
                "--logging.level.root=ERROR")).isNotNull();
        assertThat(output.getOut() + output.getErr()).contains("Property: spoolkv.auth.credentials-file\n")
                .contains("Reason: is not a readable file");
    }

    @Test
    void securityDefaultsArePlaintextWithoutAuthentication() {
        new ApplicationContextRunner()
                .withUserConfiguration(AllProperties.class)
                .run(context -> {
                    TlsProperties tls = context.getBean(TlsProperties.class);
                    assertThat(tls.enabled()).isFalse();
                    assertThat(tls.clientAuth()).isEqualTo(TlsProperties.ClientAuth.NONE);
                    assertThat(tls.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(context.getBean(AuthProperties.class).enabled()).isFalse();
                });
    }
}
