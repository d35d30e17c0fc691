package io.spoolkv.command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What {@code version} and {@code stats} report: the memcached protocol level spoolkv implements,
 * then spoolkv's own version from the build (META-INF/build-info.properties), e.g.
 * {@code 1.6.18-spoolkv-0.1.0}. Clients that read the first three numbers (libmemcached's strtol
 * per part, semver parsers) see 1.6.18 and nothing newer.
 */
public final class Versions {

    /** The memcached release whose text protocol spoolkv implements. */
    public static final String PROTOCOL = "1.6.18";
    public static final String SPOOLKV = readBuildVersion();
    public static final String REPORTED = PROTOCOL + "-spoolkv-" + SPOOLKV;

    private Versions() {
    }

    private static String readBuildVersion() {
        try (InputStream in = Versions.class.getResourceAsStream("/META-INF/build-info.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("build.version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
