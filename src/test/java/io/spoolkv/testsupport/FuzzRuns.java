package io.spoolkv.testsupport;

import java.util.Random;

/**
 * Runs a randomised property a bounded number of times, each try on its own seeded {@link Random}, so a
 * failure names the seed that reproduces it. {@code ./mvnw -B verify} runs the default number of tries;
 * {@code -Dfuzz.tries=N} runs N tries instead (the long run), {@code -Dfuzz.seed=S} starts
 * from seed S (to replay a failure: the failing try's seed with {@code -Dfuzz.tries=1}). They are not
 * {@code spoolkv.*} names on purpose: a {@code spoolkv.*} name that is no setting stops the server's startup.
 */
public final class FuzzRuns {

    public static final String TRIES = "fuzz.tries";
    public static final String SEED = "fuzz.seed";

    /** One try of a property; throws (an AssertionError) when it does not hold. */
    @FunctionalInterface
    public interface Try {
        void run(Random random) throws Exception;
    }

    private FuzzRuns() {
    }

    /** The number of tries: {@code defaultTries}, unless the {@value #TRIES} system property says otherwise. */
    public static int tries(int defaultTries) {
        String configured = System.getProperty(TRIES);
        return configured == null || configured.isBlank() ? defaultTries : Integer.parseInt(configured.trim());
    }

    /**
     * Runs {@code property} {@link #tries(int)} times; the first failure is rethrown with its seed.
     *
     * @return the number of tries run
     */
    public static int check(String name, int defaultTries, Try property) {
        int tries = tries(defaultTries);
        String configuredSeed = System.getProperty(SEED);
        // A fresh start seed each run explores new inputs; the seed is printed, so any run can be replayed.
        long start = configuredSeed == null || configuredSeed.isBlank()
                ? new Random().nextLong() : Long.parseLong(configuredSeed.trim());
        System.out.printf("fuzz %s: %d tries from seed %d%n", name, tries, start);
        for (int i = 0; i < tries; i++) {
            long seed = start + i;
            try {
                property.run(new Random(seed));
            } catch (Throwable t) {
                throw new AssertionError(name + " failed on try " + (i + 1) + " of " + tries + "; replay with -D"
                        + SEED + "=" + seed + " -D" + TRIES + "=1: " + t.getMessage(), t);
            }
        }
        return tries;
    }
}
