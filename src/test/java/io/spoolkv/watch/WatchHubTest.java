package io.spoolkv.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.config.SpoolProperties;
import io.spoolkv.spool.SpoolService;
import io.spoolkv.store.Key;
import io.spoolkv.testsupport.FailingAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The watch hub over a watcher's spool on an EmbeddedChannel whose allocator refuses on demand. */
class WatchHubTest {

    private final FailingAllocator allocator = new FailingAllocator();
    private final SpoolService spools = new SpoolService(new SpoolProperties(SpoolProperties.Mode.SPOOLED,
            DataSize.ofKilobytes(64), DataSize.ofKilobytes(16), DataSize.ofMegabytes(1), 256, DataSize.ofMegabytes(1),
            Duration.ofSeconds(30)), new SimpleMeterRegistry(), Runnable::run);
    private final EmbeddedChannel channel = new EmbeddedChannel(spools.channelHandler());
    private final WatchHub hub = new WatchHub(Clock.systemUTC());

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    /**
     * Proves (B1): a watch line whose buffer the pool refuses (direct memory exhausted, Netty's error or the JVM's)
     * is counted as skipped and the read that logged it goes on; the next line, allocated, is sent.
     */
    @Test
    void aLineThePoolRefusesIsSkippedNotThrown() {
        channel.config().setAllocator(allocator);
        hub.watch(spools.spoolOf(channel), Set.of(WatchStream.FETCHERS));
        allocator.failNext(1, FailingAllocator.Kind.NETTY);
        hub.fetched(1, Key.of("refused"), null);
        allocator.failNext(1, FailingAllocator.Kind.JVM);
        hub.fetched(1, Key.of("refused"), null);
        assertThat(hub.linesSkipped()).isEqualTo(2);
        assertThat(hub.linesSent()).isZero();
        hub.fetched(1, Key.of("sent"), null);
        channel.runPendingTasks();
        assertThat(hub.linesSent()).isEqualTo(1);
        StringBuilder out = new StringBuilder();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            out.append(((ByteBuf) o).toString(StandardCharsets.US_ASCII));
            ((ByteBuf) o).release();
        }
        assertThat(out.toString()).contains("key=sent").doesNotContain("key=refused");
    }
}
