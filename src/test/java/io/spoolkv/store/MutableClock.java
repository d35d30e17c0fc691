package io.spoolkv.store;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A Clock that tests move by hand, so expiry is tested without sleeping. Thread-safe. */
public final class MutableClock extends Clock {

    private final AtomicLong millis;
    private final ZoneId zone;

    public MutableClock(Instant start) {
        this(new AtomicLong(start.toEpochMilli()), ZoneOffset.UTC);
    }

    private MutableClock(AtomicLong millis, ZoneId zone) {
        this.millis = millis;
        this.zone = zone;
    }

    /** A realistic fixed start (2026-01-01T00:00:00Z), well past memcached's 30-day boundary. */
    public static MutableClock atDefaultStart() {
        return new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public void advanceSeconds(long seconds) {
        millis.addAndGet(seconds * 1000);
    }

    public void advanceMillis(long ms) {
        millis.addAndGet(ms);
    }

    public long epochSecond() {
        return Math.floorDiv(millis.get(), 1000L);
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
        return new MutableClock(millis, newZone);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }
}
