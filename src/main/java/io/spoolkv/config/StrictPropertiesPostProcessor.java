package io.spoolkv.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.ConfigurationPropertyState;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Stops startup when any property source (properties files, command line, system properties, environment
 * variables) holds a {@code spoolkv.*} name that no setting binds: a misspelt setting must not be silently
 * ignored. Each name is matched as Spring Boot's binder matches it (relaxed forms included, such as
 * {@code SPOOLKV_SPOOL_HIGH_WATER_BYTES} or {@code spoolkv.spool.highWaterBytes}), against the names that
 * {@link KnownProperties} reads from the configuration records. Runs once the config files are loaded, before
 * any bean exists.
 */
public final class StrictPropertiesPostProcessor implements EnvironmentPostProcessor, Ordered {

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after ConfigDataEnvironmentPostProcessor loaded the config files
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        List<UnknownPropertiesException.Unknown> unknown =
                unknown(KnownProperties.scan(application.getClassLoader()), environment);
        if (!unknown.isEmpty()) {
            throw new UnknownPropertiesException(unknown);
        }
    }

    /** The {@code spoolkv.*} names in {@code environment}'s sources that bind to none of {@code known}. */
    static List<UnknownPropertiesException.Unknown> unknown(KnownProperties known, ConfigurableEnvironment environment) {
        List<UnknownPropertiesException.Unknown> unknown = new ArrayList<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable)
                    || ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)) {
                continue;
            }
            for (String name : enumerable.getPropertyNames()) {
                if (underRoot(name) && !binds(known, source, name)) {
                    unknown.add(new UnknownPropertiesException.Unknown(name, source.getName(), closest(known, name)));
                }
            }
        }
        return unknown;
    }

    private static boolean underRoot(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.length() > KnownProperties.ROOT.length() && lower.startsWith(KnownProperties.ROOT)
                && ".[_".indexOf(lower.charAt(KnownProperties.ROOT.length())) >= 0;
    }

    /** Whether the binder would read {@code name} for some setting: asked of a source holding only that name. */
    private static boolean binds(KnownProperties known, PropertySource<?> origin, String name) {
        Map<String, Object> single = Map.of(name, "");
        // Environment variables have their own name mapping (SPOOLKV_SPOOL_HIGHWATERBYTES), which Spring Boot
        // picks by the source's name.
        PropertySource<?> probe = origin instanceof SystemEnvironmentPropertySource
                ? new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, single)
                : new MapPropertySource("probe", single);
        ConfigurationPropertySource source = ConfigurationPropertySource.from(probe);
        if (source == null) {
            return false;
        }
        for (ConfigurationPropertyName value : known.values()) {
            if (source.getConfigurationProperty(value) != null) {
                return true;
            }
        }
        for (ConfigurationPropertyName container : known.containers()) {
            // the container itself (a comma-separated list) or an entry below it
            if (source.getConfigurationProperty(container) != null
                    || source.containsDescendantOf(container) == ConfigurationPropertyState.PRESENT) {
                return true;
            }
        }
        return false;
    }

    /** The known name nearest to {@code name} by edit distance, compared with separators and case ignored. */
    static String closest(KnownProperties known, String name) {
        String wanted = canonical(name);
        return known.names().stream()
                .min(Comparator.comparingInt(candidate -> distance(canonical(candidate), wanted)))
                .orElse(null);
    }

    private static String canonical(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '.').replace("-", "");
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
