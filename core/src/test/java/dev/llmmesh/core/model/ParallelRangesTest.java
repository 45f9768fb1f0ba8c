package dev.llmmesh.core.model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelRangesTest {
    private final ParallelRanges ranges = new ParallelRanges(3);

    @Test
    void everyIndexRunsOnceInRangesThatStartOnTheGrain() {
        for (int n : new int[] {1, 15, 16, 17, 47, 48, 1000, 50257}) {
            for (int grain : new int[] {1, 16}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                List<Integer> starts = java.util.Collections.synchronizedList(new ArrayList<>());
                ranges.run(n, grain, (from, to) -> {
                    starts.add(from);
                    for (int i = from; i < to; i++) {
                        seen.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "index " + i + " of " + n + ", grain " + grain);
                }
                assertTrue(starts.stream().allMatch(s -> s % grain == 0), "starts " + starts);
                assertTrue(starts.size() <= 3, "at most one range per thread: " + starts);
            }
        }
    }

    @Test
    void workIsSharedWithTheHelpers() {
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        ranges.run(300, 1, (from, to) -> threads.add(Thread.currentThread().getName()));
        assertEquals(3, threads.size(), "three ranges of 100: " + threads);
        assertTrue(threads.contains(Thread.currentThread().getName()), "the caller takes a range: " + threads);
        assertEquals(3, threads.stream().distinct().count(), threads.toString());
    }

    @Test
    void afterAHelperLagsFarBehindTheCallerRunsLoopsAlone() {
        ParallelRanges own = new ParallelRanges(2);
        // what a helper the OS descheduled looks like from the caller: its range ends long after the caller's
        own.run(200, 1, (from, to) -> {
            if (from > 0) {
                sleep(20);
            }
        });
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        own.run(200, 1, (from, to) -> threads.add(Thread.currentThread().getName() + " " + from + "-" + to));
        assertEquals(List.of(Thread.currentThread().getName() + " 0-200"), threads);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aFailingRangeIsRethrownAndTheHelpersGoOn() {
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> ranges.run(300, 1,
                (from, to) -> {
                    if (from > 0) {
                        throw boom;
                    }
                }));
        assertSame(boom, thrown);
        AtomicIntegerArray seen = new AtomicIntegerArray(300);
        ranges.run(300, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 300; i++) {
            assertEquals(1, seen.get(i));
        }
    }

    @Test
    void callersOnSeveralThreadsTakeTurns() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> sums = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                sums.add(callers.submit(() -> {
                    long total = 0;
                    for (int round = 0; round < 200; round++) {
                        long[] parts = new long[1000];
                        ranges.run(1000, 16, (from, to) -> {
                            for (int i = from; i < to; i++) {
                                parts[i] = i;
                            }
                        });
                        total += java.util.Arrays.stream(parts).sum();
                    }
                    return total;
                }));
            }
            for (Future<Long> sum : sums) {
                assertEquals(200L * (999L * 1000 / 2), sum.get());
            }
        } finally {
            callers.shutdownNow();
        }
    }
}
