package io.spoolkv.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders the {@code spoolkv.*} part of the build's {@code spring-configuration-metadata.json} as the Markdown
 * tables of docs/configuration.md: one table per settings group, one row per setting, in name order, so the same
 * metadata always gives the same text. Only the region between {@link #BEGIN} and {@link #END} is generated; the
 * prose around it is edited by hand.
 */
final class ConfigurationReference {

    static final String REGENERATE = "./mvnw -B -q test -Dtest=ConfigurationReferenceTest -Dregenerate=true";
    static final String BEGIN = "<!-- BEGIN GENERATED: the spoolkv.* settings, from the build's"
            + " spring-configuration-metadata.json (the records' @param Javadoc). Do not edit by hand; regenerate"
            + " with " + REGENERATE + " -->";
    static final String END = "<!-- END GENERATED -->";

    private static final Pattern CODE = Pattern.compile("\\{@code ([^}]*)}");
    private static final Pattern LINK = Pattern.compile("\\{@link(?:plain)? ([^} ]+)(?: ([^}]*))?}");

    /** One setting as the metadata describes it. */
    record Setting(String name, String type, String defaultValue, String description) {
    }

    private ConfigurationReference() {
    }

    /** The {@code spoolkv.*} settings of a metadata file's text, by name. */
    static List<Setting> settings(String metadataJson) {
        JsonNode root = JsonMapper.builder().build().readTree(metadataJson);
        List<Setting> settings = new ArrayList<>();
        for (JsonNode property : root.path("properties")) {
            String name = property.path("name").asString();
            if (!name.startsWith(KnownProperties.ROOT + ".")) {
                continue;
            }
            JsonNode value = property.path("defaultValue");
            String defaultValue = value.isMissingNode() || value.isNull() ? null
                    : value.isValueNode() ? value.asString() : value.toString();
            settings.add(new Setting(name, property.path("type").asString(), defaultValue,
                    property.path("description").asString("")));
        }
        settings.sort(Comparator.comparing(Setting::name));
        return settings;
    }

    /** The generated region, markers included. */
    static String render(List<Setting> settings) {
        Map<String, List<Setting>> groups = new LinkedHashMap<>();
        for (Setting s : settings) {
            groups.computeIfAbsent(s.name().substring(0, s.name().lastIndexOf('.')), g -> new ArrayList<>()).add(s);
        }
        StringBuilder out = new StringBuilder(BEGIN).append("\n");
        groups.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(group -> {
            out.append("\n### `").append(group.getKey()).append(".*`\n\n")
                    .append("| property | default | type | meaning |\n| --- | --- | --- | --- |\n");
            for (Setting s : group.getValue()) {
                out.append("| `").append(s.name()).append("` | ")
                        .append(s.defaultValue() == null ? "(unset)" : "`" + cell(s.defaultValue()) + "`").append(" | ")
                        .append(type(s.type())).append(" | ")
                        .append(markdown(s.description())).append(" |\n");
            }
        });
        return out.append("\n").append(END).toString();
    }

    /** {@code text} with its generated region replaced by {@code region}. */
    static String replaceRegion(String text, String region) {
        int begin = text.indexOf("<!-- BEGIN GENERATED");
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException("no generated region (" + BEGIN.substring(0, 20) + "... " + END + ")");
        }
        return text.substring(0, begin) + region + text.substring(end + END.length());
    }

    /** The Javadoc text of a description as one Markdown table cell. */
    static String markdown(String javadoc) {
        String text = javadoc.strip().replaceAll("\\s+", " ");
        StringBuilder out = new StringBuilder();
        Matcher m = CODE.matcher(text);
        int last = 0;
        while (m.find()) {
            out.append(cell(links(text.substring(last, m.start())))).append('`').append(cell(m.group(1))).append('`');
            last = m.end();
        }
        return out.append(cell(links(text.substring(last)))).toString();
    }

    private static String links(String text) {
        return LINK.matcher(text).replaceAll(r -> Matcher.quoteReplacement(r.group(2) != null ? r.group(2)
                : r.group(1).substring(r.group(1).lastIndexOf('#') + 1)));
    }

    /** A pipe would end the table cell. */
    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    /** The kind of value an operator writes: a size, a duration, a number, or one of an enum's names. */
    static String type(String javaType) {
        switch (javaType) {
            case "org.springframework.util.unit.DataSize":
                return "size";
            case "java.time.Duration":
                return "duration";
            case "java.lang.Integer":
            case "java.lang.Long":
            case "int":
            case "long":
                return "integer";
            case "java.lang.Boolean":
            case "boolean":
                return "boolean";
            case "java.lang.String":
                return "text";
            default:
                break;
        }
        try {
            Class<?> type = Class.forName(javaType, false, ConfigurationReference.class.getClassLoader());
            if (type.isEnum()) {
                return Arrays.stream(type.getEnumConstants())
                        .map(c -> "`" + ((Enum<?>) c).name().toLowerCase(Locale.ROOT).replace('_', '-') + "`")
                        .collect(Collectors.joining(", ", "one of ", ""));
            }
        } catch (ClassNotFoundException e) {
            // not on the classpath: name the type as the metadata does
        }
        return "`" + javaType.substring(javaType.lastIndexOf('.') + 1) + "`";
    }
}
