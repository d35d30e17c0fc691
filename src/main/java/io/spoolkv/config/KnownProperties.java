package io.spoolkv.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

/**
 * The names of every {@code spoolkv.*} setting, read from the {@code @ConfigurationProperties} records themselves
 * (found by a classpath scan of {@code io.spoolkv}), so a new record or component is known without a list to
 * keep up to date.
 *
 * @param values names that bind one value
 * @param containers names of map- or list-valued settings: anything below them is theirs
 */
record KnownProperties(List<ConfigurationPropertyName> values, List<ConfigurationPropertyName> containers) {

    static final String ROOT = "spoolkv";

    static KnownProperties scan(ClassLoader classLoader) {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        List<ConfigurationPropertyName> values = new ArrayList<>();
        List<ConfigurationPropertyName> containers = new ArrayList<>();
        for (BeanDefinition candidate : scanner.findCandidateComponents("io.spoolkv")) {
            Class<?> type = ClassUtils.resolveClassName(candidate.getBeanClassName(), classLoader);
            ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
            String prefix = annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
            if (prefix.equals(ROOT) || prefix.startsWith(ROOT + ".")) {
                collect(prefix, type, values, containers);
            }
        }
        return new KnownProperties(List.copyOf(values), List.copyOf(containers));
    }

    /** The settings one record binds under {@code prefix}. */
    static KnownProperties of(String prefix, Class<?> record) {
        List<ConfigurationPropertyName> values = new ArrayList<>();
        List<ConfigurationPropertyName> containers = new ArrayList<>();
        collect(prefix, record, values, containers);
        return new KnownProperties(List.copyOf(values), List.copyOf(containers));
    }

    private static void collect(String prefix, Class<?> type, List<ConfigurationPropertyName> values,
                                List<ConfigurationPropertyName> containers) {
        if (!type.isRecord()) {
            // Only records are read here; a JavaBean would need its setters listed.
            throw new IllegalStateException("cannot list the settings of " + type.getName() + ": not a record");
        }
        for (RecordComponent component : type.getRecordComponents()) {
            String name = prefix + "." + kebab(component.getName());
            Class<?> componentType = component.getType();
            if (Map.class.isAssignableFrom(componentType) || Collection.class.isAssignableFrom(componentType)
                    || componentType.isArray()) {
                containers.add(ConfigurationPropertyName.of(name));
            } else if (componentType.isRecord()) {
                collect(name, componentType, values, containers);
            } else {
                values.add(ConfigurationPropertyName.of(name));
            }
        }
    }

    /** {@code highWaterBytes} becomes {@code high-water-bytes}, the canonical form Spring Boot documents. */
    static String kebab(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('-').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Every known name, values and containers, in canonical form. */
    List<String> names() {
        List<String> names = new ArrayList<>();
        values.forEach(n -> names.add(n.toString()));
        containers.forEach(n -> names.add(n.toString()));
        return names;
    }
}
