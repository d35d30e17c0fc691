package io.spoolkv.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md's reference tables are generated from the build's configuration metadata (which the
 * configuration processor writes from the records and their {@code @param} Javadoc), and the committed file is
 * never out of date. Regenerate it with {@link ConfigurationReference#REGENERATE}.
 */
class ConfigurationReferenceTest {

    static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");
    static final Path REFERENCE = Path.of("docs/configuration.md");

    /** Proves: the committed reference is exactly what the records' current metadata gives (or rewrites it). */
    @Test
    void committedReferenceMatchesTheRecords() throws IOException {
        assertThat(METADATA).as("written by spring-boot-configuration-processor when the main classes compile").exists();
        String committed = Files.readString(REFERENCE);
        String current = ConfigurationReference.replaceRegion(committed,
                ConfigurationReference.render(ConfigurationReference.settings(Files.readString(METADATA))));
        if (Boolean.getBoolean("regenerate")) {
            Files.writeString(REFERENCE, current);
            return;
        }
        assertThat(committed)
                .as("%s is out of date with the configuration records; regenerate it with: %s", REFERENCE,
                        ConfigurationReference.REGENERATE)
                .isEqualTo(current);
    }

    /** Proves: every setting a record binds reaches the metadata, so the reference, with a description. */
    @Test
    void everySettingIsInTheMetadataWithADescription() throws IOException {
        List<ConfigurationReference.Setting> settings = ConfigurationReference.settings(Files.readString(METADATA));
        assertThat(settings).extracting(ConfigurationReference.Setting::name)
                .containsExactlyInAnyOrderElementsOf(KnownProperties.scan(getClass().getClassLoader()).names());
        assertThat(settings).allSatisfy(s -> assertThat(s.description())
                .as("@param Javadoc of %s (its description in the reference)", s.name()).isNotBlank());
    }

    /** Proves: defaults, kinds of value and Javadoc markup become table cells; other namespaces are left out. */
    @Test
    void rendersDefaultsTypesAndJavadocMarkup() {
        String metadata = """
                {"properties": [
                  {"name": "spoolkv.b.mode", "type": "io.spoolkv.config.SpoolProperties$Mode",
                   "description": "{@code spooled} or\\n    {@code direct}", "defaultValue": "spooled"},
                  {"name": "spoolkv.a.size", "type": "org.springframework.util.unit.DataSize",
                   "description": "switch with {@code enable|disable}; see {@link Foo#bar}", "defaultValue": "1MB"},
                  {"name": "spoolkv.a.file", "type": "java.lang.String", "description": "a file"},
                  {"name": "spoolkv.a.on", "type": "java.lang.Boolean", "description": "on", "defaultValue": false},
                  {"name": "server.port", "type": "java.lang.Integer", "description": "not ours", "defaultValue": 8080}
                ]}""";
        assertThat(ConfigurationReference.render(ConfigurationReference.settings(metadata))).isEqualTo(
                ConfigurationReference.BEGIN + "\n\n"
                        + "### `spoolkv.a.*`\n\n"
                        + "| property | default | type | meaning |\n| --- | --- | --- | --- |\n"
                        + "| `spoolkv.a.file` | (unset) | text | a file |\n"
                        + "| `spoolkv.a.on` | `false` | boolean | on |\n"
                        + "| `spoolkv.a.size` | `1MB` | size | switch with `enable\\|disable`; see bar |\n"
                        + "\n### `spoolkv.b.*`\n\n"
                        + "| property | default | type | meaning |\n| --- | --- | --- | --- |\n"
                        + "| `spoolkv.b.mode` | `spooled` | one of `spooled`, `direct` | `spooled` or `direct` |\n"
                        + "\n" + ConfigurationReference.END);
    }

    /** Proves: only the generated region changes; the hand-written prose around it stays; no markers, no write. */
    @Test
    void replacesOnlyTheGeneratedRegion() {
        String doc = "# Title\n\nprose\n\n" + ConfigurationReference.BEGIN + "\nold table\n"
                + ConfigurationReference.END + "\n\nmore prose\n";
        assertThat(ConfigurationReference.replaceRegion(doc, "NEW"))
                .isEqualTo("# Title\n\nprose\n\nNEW\n\nmore prose\n");
        assertThatThrownBy(() -> ConfigurationReference.replaceRegion("# no markers\n", "NEW"))
                .isInstanceOf(IllegalStateException.class);
    }
}
