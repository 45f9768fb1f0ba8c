package dev.llmmesh.core.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlidingWindowsTest {

    @Test
    void aSmallPlanByHand() {
        // 10 tokens, context 4, stride 2 (HuggingFace's loop): [0,4) scores 1..3; [2,6) scores 4,5; [4,8) scores
        // 6,7; [6,10) scores 8,9 and reaches the end
        assertEquals(List.of(new SlidingWindows.Window(0, 4, 1), new SlidingWindows.Window(2, 6, 4),
                        new SlidingWindows.Window(4, 8, 6), new SlidingWindows.Window(6, 10, 8)),
                SlidingWindows.plan(10, 4, 2));
        // the last window is shorter when the stream ends inside it: [3,5) scores only 4
        assertEquals(List.of(new SlidingWindows.Window(0, 4, 1), new SlidingWindows.Window(3, 5, 4)),
                SlidingWindows.plan(5, 4, 3));
        assertEquals(List.of(new SlidingWindows.Window(0, 3, 1)), SlidingWindows.plan(3, 8, 4));
        assertEquals(List.of(), SlidingWindows.plan(1, 8, 4));
    }

    @Test
    void everyTargetIsScoredExactlyOnceWithTheContextTheStrideLeaves() {
        for (int n = 0; n < 60; n++) {
            for (int context = 2; context < 12; context++) {
                for (int stride = 1; stride < context; stride++) {
                    List<SlidingWindows.Window> windows = SlidingWindows.plan(n, context, stride);
                    int[] scored = new int[n];
                    for (int i = 0; i < windows.size(); i++) {
                        SlidingWindows.Window w = windows.get(i);
                        assertTrue(w.length() <= context, w.toString());
                        assertEquals((long) i * stride, w.begin(), w.toString());
                        for (long p = w.scoredFrom(); p < w.end(); p++) {
                            scored[(int) p]++;
                            if (i > 0) {
                                assertTrue(p - w.begin() >= Math.min(context - stride, p), "context of " + p);
                            }
                        }
                    }
                    for (int p = 0; p < n; p++) {
                        assertEquals(p == 0 ? 0 : 1, scored[p], "n " + n + " context " + context + " stride "
                                + stride + " target " + p);
                    }
                }
            }
        }
    }

    @Test
    void theTrainersWindowsScoreAllTheirTargets() {
        List<SlidingWindows.Window> windows = SlidingWindows.of(100, 3, 4, 4);
        assertEquals(List.of(new SlidingWindows.Window(100, 105, 101), new SlidingWindows.Window(104, 109, 105),
                new SlidingWindows.Window(108, 113, 109)), windows);
        for (SlidingWindows.Window w : windows) {
            assertEquals(4, w.scored());
            assertEquals(4, w.contextUsed());
        }
        assertEquals(List.of(), SlidingWindows.of(0, 0, 4, 4));
    }

    @Test
    void aStrideThatWouldSkipTargetsIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> SlidingWindows.plan(100, 8, 8));
        assertTrue(e.getMessage().contains("stride must be in [1, contextLength)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SlidingWindows.plan(100, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new SlidingWindows.Window(3, 5, 3));
    }
}
