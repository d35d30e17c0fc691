package io.spoolkv.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The recent flush latency the actuator shows: quantiles of the last minute's samples, a bounded ring. */
class RecentLatenciesTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long T0 = 5_000_000_000L;

    @Test
    void emptyHasNoSamples() {
        assertThat(new RecentLatencies(8).snapshot(T0)).isEqualTo(new FlushLatency(0, 0, 0, 0));
    }

    @Test
    void quantilesAreNearestRankOfTheSamples() {
        RecentLatencies r = new RecentLatencies(128);
        for (int i = 100; i >= 1; i--) { // out of order: the snapshot sorts
            r.record(i * MS, T0);
        }
        assertThat(r.snapshot(T0)).isEqualTo(new FlushLatency(100, 50.0, 99.0, 100.0));
    }

    @Test
    void millisecondsKeepMicrosecondResolution() {
        RecentLatencies r = new RecentLatencies(4);
        r.record(37_400, T0); // 37.4 us
        assertThat(r.snapshot(T0)).isEqualTo(new FlushLatency(1, 0.037, 0.037, 0.037));
    }

    @Test
    void samplesOlderThanAMinuteAreLeftOut() {
        RecentLatencies r = new RecentLatencies(16);
        r.record(900 * MS, T0);                            // slow, but old by the snapshot
        r.record(2 * MS, T0 + TimeUnit.SECONDS.toNanos(30));
        r.record(4 * MS, T0 + TimeUnit.SECONDS.toNanos(61));
        FlushLatency at61 = r.snapshot(T0 + TimeUnit.SECONDS.toNanos(61));
        assertThat(at61).isEqualTo(new FlushLatency(2, 2.0, 4.0, 4.0));
        assertThat(r.snapshot(T0 + TimeUnit.SECONDS.toNanos(200))).isEqualTo(new FlushLatency(0, 0, 0, 0));
    }

    @Test
    void onlyTheLatestCapacitySamplesAreKept() {
        RecentLatencies r = new RecentLatencies(4);
        for (int i = 1; i <= 10; i++) {
            r.record(i * MS, T0);
        }
        assertThat(r.snapshot(T0)).isEqualTo(new FlushLatency(4, 8.0, 10.0, 10.0)); // 7, 8, 9, 10 ms
    }

    @Test
    void capacityMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> new RecentLatencies(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecentLatencies(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
