package io.spoolkv.store;

import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Clock;

/**
 * Lets Caffeine expire items at their absolute {@link Item#expiresAt} second, measured on the
 * store's Clock (so tests can move time). The ticker reads the clock as unix nanoseconds; each
 * duration is computed from the absolute deadline, so a rewrite never drifts an item's expiry.
 */
final class ClockExpiry implements Expiry<Key, Item> {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private ClockExpiry() {
    }

    static final ClockExpiry INSTANCE = new ClockExpiry();

    static Ticker ticker(Clock clock) {
        return () -> clock.millis() * NANOS_PER_MILLI;
    }

    private static long remaining(Item item, long currentTime) {
        if (item.expiresAt() == 0) {
            return Long.MAX_VALUE;
        }
        if (item.expiresAt() < 0) {
            return 0;
        }
        // expired exactly when now (floored to seconds) >= expiresAt, like Item.expiredAt
        long deadline = Math.multiplyHigh(item.expiresAt(), NANOS_PER_SECOND) != 0
                ? Long.MAX_VALUE : item.expiresAt() * NANOS_PER_SECOND;
        return Math.max(0, deadline - currentTime);
    }

    @Override
    public long expireAfterCreate(Key key, Item item, long currentTime) {
        return remaining(item, currentTime);
    }

    @Override
    public long expireAfterUpdate(Key key, Item item, long currentTime, long currentDuration) {
        return remaining(item, currentTime);
    }

    @Override
    public long expireAfterRead(Key key, Item item, long currentTime, long currentDuration) {
        return currentDuration;
    }
}
