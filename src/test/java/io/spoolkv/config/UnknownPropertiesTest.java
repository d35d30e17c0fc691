package io.spoolkv.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.unit.DataSize;

/**
 * A {@code spoolkv.*} name that no setting binds stops startup with a report that names it, where it came
 * from, and the closest real setting; every relaxed form the binder accepts for a real setting starts.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnknownPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({ServerProperties.class, SpoolProperties.class, StoreProperties.class,
            BackgroundProperties.class})
    static class AllProperties {
    }

    /** Runs the application with {@code environmentVariables} as its system environment and {@code args}. */
    static ConfigurableApplicationContext run(Map<String, Object> environmentVariables, String... args) {
        SpringApplication app = new SpringApplication(AllProperties.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        app.setEnvironment(new StandardEnvironment() {
            @Override
            protected void customizePropertySources(MutablePropertySources sources) {
                // The real environment variables are left out: the test decides which exist.
                sources.addLast(new SystemEnvironmentPropertySource(SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        environmentVariables));
            }
        });
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--logging.level.root=ERROR";
        return app.run(all);
    }

    static String report(CapturedOutput output) {
        return output.getOut() + output.getErr();
    }

    @Test
    void misspeltSettingOnTheCommandLineFailsStartupNamingItAndTheClosestSetting(CapturedOutput output) {
        assertThatThrownBy(() -> run(Map.of(), "--spoolkv.spool.hihg-water-bytes=2MB"))
                .isInstanceOf(UnknownPropertiesException.class);
        assertThat(report(output)).contains("APPLICATION FAILED TO START")
                .contains("Property: spoolkv.spool.hihg-water-bytes")
                .contains("Origin: commandLineArgs")
                .contains("Did you mean: spoolkv.spool.high-water-bytes");
    }

    @Test
    void misspeltEnvironmentVariableFailsStartupNamingIt(CapturedOutput output) {
        assertThatThrownBy(() -> run(Map.of("SPOOLKV_SPOOL_HIHG_WATER_BYTES", "2MB")))
                .isInstanceOf(UnknownPropertiesException.class);
        assertThat(report(output)).contains("Property: SPOOLKV_SPOOL_HIHG_WATER_BYTES")
                .contains("Origin: systemEnvironment")
                .contains("Did you mean: spoolkv.spool.high-water-bytes");
    }

    @Test
    void unknownGroupAndSeveralNamesAreAllReported(CapturedOutput output) {
        assertThatThrownBy(() -> run(Map.of(), "--spoolkv.nosuch.thing=1", "--spoolkv.store.max-memroy=1GB"))
                .isInstanceOf(UnknownPropertiesException.class)
                .satisfies(e -> assertThat(((UnknownPropertiesException) e).unknown())
                        .extracting(UnknownPropertiesException.Unknown::name)
                        .containsExactlyInAnyOrder("spoolkv.nosuch.thing", "spoolkv.store.max-memroy"));
        assertThat(report(output)).contains("Property: spoolkv.nosuch.thing")
                .contains("Property: spoolkv.store.max-memroy").contains("Did you mean: spoolkv.store.max-memory");
    }

    @Test
    void misspeltSettingInAPropertiesSourceFailsStartup() {
        SpringApplication app = new SpringApplication(AllProperties.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setDefaultProperties(Map.of("spoolkv.server.prot", "11311"));
        assertThatThrownBy(() -> app.run("--logging.level.root=ERROR"))
                .isInstanceOf(UnknownPropertiesException.class)
                .hasMessageContaining("spoolkv.server.prot (from defaultProperties); did you mean spoolkv.server.port?");
    }

    /** The relaxed forms Spring Boot binds are known: they start, and the setting takes their value. */
    @Test
    void relaxedFormsOfRealSettingsStartAndBind() {
        try (ConfigurableApplicationContext context = run(
                Map.of("SPOOLKV_SPOOL_HIGH_WATER_BYTES", "2MB", "SPOOLKV_STORE_MAXMEMORY", "128MB"),
                "--spoolkv.spool.lowWaterBytes=512KB", "--spoolkv.background.chunk_bytes=32KB",
                "--spoolkv.server.max-connections=10")) {
            SpoolProperties spool = context.getBean(SpoolProperties.class);
            assertThat(spool.highWaterBytes()).isEqualTo(DataSize.ofMegabytes(2));
            assertThat(spool.lowWaterBytes()).isEqualTo(DataSize.ofKilobytes(512));
            assertThat(context.getBean(StoreProperties.class).maxMemory()).isEqualTo(DataSize.ofMegabytes(128));
            assertThat(context.getBean(BackgroundProperties.class).chunkBytes()).isEqualTo(DataSize.ofKilobytes(32));
            assertThat(context.getBean(ServerProperties.class).maxConnections()).isEqualTo(10);
        }
    }

    @Test
    void namesOutsideTheSpoolkvNamespaceAreLeftAlone() {
        try (ConfigurableApplicationContext context = run(Map.of("SPOOLKVX_ANYTHING", "1"),
                "--spoolkvx.foo=1", "--some.other.setting=2")) {
            assertThat(context.isActive()).isTrue();
        }
    }

    /** A test-only record with a map and a list: anything under them is theirs, a misspelt container is not. */
    record Labelled(Map<String, String> labels, List<String> hosts, int port) {
    }

    @Test
    void mapAndListValuedSettingsAcceptTheirEntries() {
        KnownProperties known = KnownProperties.of("spoolkv.test", Labelled.class);
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of(
                "spoolkv.test.labels.zone", "a", "spoolkv.test.labels[team]", "b", "spoolkv.test.hosts[0]", "h",
                "spoolkv.test.hosts", "h1,h2", "spoolkv.test.port", "1", "spoolkv.test.labelz.zone", "c")));
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.of(
                "SPOOLKV_TEST_HOSTS_1_", "h", "SPOOLKV_TEST_PORTS", "2")));
        assertThat(StrictPropertiesPostProcessor.unknown(known, environment))
                .extracting(UnknownPropertiesException.Unknown::name)
                .containsExactlyInAnyOrder("spoolkv.test.labelz.zone", "SPOOLKV_TEST_PORTS");
    }

    /** The settings the strictness check knows are exactly those of the configuration reference, docs/configuration.md. */
    @Test
    void knownSettingsAreTheConfigurationReference() throws IOException {
        String reference = Files.readString(ConfigurationReferenceTest.REFERENCE);
        Matcher row = Pattern.compile("(?m)^\\| `(spoolkv\\.[a-z0-9.-]+)` \\|").matcher(reference);
        List<String> documented = row.results().map(r -> r.group(1)).collect(Collectors.toList());
        assertThat(KnownProperties.scan(getClass().getClassLoader()).names())
                .as("settings of the records vs %s; regenerate it with %s", ConfigurationReferenceTest.REFERENCE,
                        ConfigurationReference.REGENERATE)
                .containsExactlyInAnyOrderElementsOf(documented);
    }
}
