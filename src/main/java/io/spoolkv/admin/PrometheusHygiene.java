package io.spoolkv.admin;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Keeps {@code /actuator/prometheus} clean under {@code promtool check metrics} (CI checks it).
 * Three of the JVM's default meters carry non-base units or a reserved suffix in their names
 * ({@code jvm_compilation_time_ms_total}, {@code process_cpu_time_ns_total}, {@code system_cpu_count});
 * their values cannot be rescaled by a filter, so they are left out ({@code process_cpu_usage} and
 * {@code system_cpu_usage} remain). Meters that come without a description get one: promtool wants help text.
 */
@Configuration(proxyBeanMethods = false)
public class PrometheusHygiene {

    static final Set<String> DENIED = Set.of("jvm.compilation.time", "process.cpu.time", "system.cpu.count");

    @Bean
    MeterFilter promtoolCleanMeters() {
        return new MeterFilter() {
            @Override
            public MeterFilterReply accept(Meter.Id id) {
                return DENIED.contains(id.getName()) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
            }

            @Override
            public Meter.Id map(Meter.Id id) {
                if (id.getDescription() != null && !id.getDescription().isBlank()) {
                    return id;
                }
                return new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()),
                        id.getBaseUnit(), describe(id.getName()), id.getType());
            }
        };
    }

    static String describe(String name) {
        if (name.startsWith("http.server.requests")) {
            return "HTTP requests served (actuator)";
        }
        return "Meter " + name;
    }
}
