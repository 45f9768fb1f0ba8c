package dev.llmmesh.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Warmup until stable, then median of measured passes. */
final class Timing {
    /** Passes whose spread (max/min - 1) is below this count as stable. */
    static final double STABLE_SPREAD = 0.03;
    static final int STABLE_WINDOW = 3;

    private Timing() {
    }

    /**
     * Runs {@code pass} (which should keep a result, so the JIT cannot drop the work) until the last
     * {@link #STABLE_WINDOW} pass times are within {@link #STABLE_SPREAD} of each other, at least
     * {@code min} and at most {@code max} passes. Returns the number of passes run.
     */
    static int warmUp(String label, Runnable pass, int min, int max) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < max; i++) {
            long t0 = System.nanoTime();
            pass.run();
            times.add(System.nanoTime() - t0);
            if (times.size() >= min && spread(times.subList(times.size() - STABLE_WINDOW, times.size())) < STABLE_SPREAD) {
                System.out.printf("  warmup %-24s %2d passes, last %s%n", label, times.size(), ms(times));
                return times.size();
            }
        }
        System.out.printf("  warmup %-24s %2d passes (not stable within %.0f%%), last %s%n",
                label, times.size(), STABLE_SPREAD * 100, ms(times));
        return times.size();
    }

    static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    /** The middle value (the mean of the two middle ones for an even count); NaN when there are none. */
    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static double spread(List<Long> times) {
        long min = times.stream().mapToLong(Long::longValue).min().orElseThrow();
        long max = times.stream().mapToLong(Long::longValue).max().orElseThrow();
        return (double) max / min - 1;
    }

    private static String ms(List<Long> times) {
        return times.subList(Math.max(0, times.size() - STABLE_WINDOW), times.size()).stream()
                .map(t -> String.format("%.0f", t / 1e6)).toList() + " ms";
    }
}
