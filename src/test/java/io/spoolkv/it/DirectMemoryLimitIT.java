package io.spoolkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.internal.PlatformDependent;
import io.spoolkv.SpoolkvApplication;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.server.MemcachedServer;
import io.spoolkv.testsupport.TextClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The store's bound and the JVM's direct memory: a max-memory that, with the spool's budget (SpoolProperties' default),
 * does not fit -XX:MaxDirectMemorySize stops the server at startup; a cache_memlimit that does not fit is refused
 * with memcached's reply and the bound stays.
 */
@SpringBootTest(properties = {"spoolkv.server.port=0", "spoolkv.server.host=127.0.0.1"},
        webEnvironment = SpringBootTest.WebEnvironment.NONE)
class DirectMemoryLimitIT {

    @Autowired
    MemcachedServer server;
    @Autowired
    SpoolProperties spool; // the defaults: the started server and the one the startup test builds share them

    long spoolMb() {
        return spool.maxTotalBytes().toMegabytes();
    }

    static long directLimitMb() {
        return PlatformDependent.maxDirectMemory() >> 20;
    }

    /** Proves: cache_memlimit beyond the direct memory answers MEMLIMIT_ADJUST_FAILED and leaves the bound; one within it is taken. */
    @Test
    void aMemlimitBeyondTheDirectMemoryIsRefused() throws Exception {
        try (TextClient c = new TextClient(server.port())) {
            String before = c.stats(null).get("limit_maxbytes");
            c.send("cache_memlimit " + (directLimitMb() - spoolMb() + 1) + "\r\n");
            assertThat(c.line()).isEqualTo("MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust");
            assertThat(c.stats(null).get("limit_maxbytes")).isEqualTo(before);
            c.send("cache_memlimit 100\r\n");
            assertThat(c.line()).isEqualTo("OK");
            assertThat(c.stats(null).get("limit_maxbytes")).isEqualTo(String.valueOf(100L << 20));
            c.send("cache_memlimit " + (Long.parseLong(before) >> 20) + "\r\n"); // the context may be shared
            assertThat(c.line()).isEqualTo("OK");
        }
    }

    /** Proves: the server refuses to start with a max-memory the direct memory cannot hold, and says why. */
    @Test
    void aMaxMemoryBeyondTheDirectMemoryStopsTheStart() {
        long tooMuch = directLimitMb() - spoolMb() + 1;
        assertThatThrownBy(() -> new SpringApplicationBuilder(SpoolkvApplication.class)
                .web(WebApplicationType.NONE)
                .run("--spoolkv.server.port=0", "--spoolkv.server.host=127.0.0.1",
                        "--spoolkv.store.max-memory=" + tooMuch + "MB").close())
                .rootCause()
                .hasMessageContaining("spoolkv.store.max-memory (" + tooMuch + " MB)")
                .hasMessageContaining("-XX:MaxDirectMemorySize");
    }
}
