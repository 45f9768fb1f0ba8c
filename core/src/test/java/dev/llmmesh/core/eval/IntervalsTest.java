package dev.llmmesh.core.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IntervalsTest {

    /**
     * Newcombe, "Two-sided confidence intervals for the single proportion: comparison of seven methods", Statistics
     * in Medicine 17 (1998), Table II, method 3 (Wilson score, no continuity correction), to its 4 decimals.
     */
    @Test
    void wilsonReproducesNewcombesTable() {
        assertInterval(0.2553, 0.3662, Intervals.wilson(81, 263));
        assertInterval(0.0624, 0.1605, Intervals.wilson(15, 148));
        assertInterval(0.0000, 0.1611, Intervals.wilson(0, 20));
        assertInterval(0.0061, 0.1718, Intervals.wilson(1, 29));
    }

    @Test
    void wilsonStaysInsideTheUnitIntervalAndNeedsExamples() {
        Interval all = Intervals.wilson(29, 29);
        assertEquals(1.0, all.high(), 0);
        assertEquals(0.8830, all.low(), 5e-5); // 1 - the 0/29 low bound mirrored: 29/29 = 1 - (0/29)
        assertEquals(1 - Intervals.wilson(0, 29).high(), all.low(), 1e-12);
        assertFalse(Intervals.wilson(0, 0).defined());
        assertThrows(IllegalArgumentException.class, () -> Intervals.wilson(3, 2));
    }

    /** Two-sided 95% critical values of Student's t, from any t table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2). */
    @Test
    void tQuantilesMatchTheTable() {
        assertEquals(12.706, Intervals.t975(1), 5e-4);
        assertEquals(4.303, Intervals.t975(2), 5e-4);
        assertEquals(3.182, Intervals.t975(3), 5e-4);
        assertEquals(2.571, Intervals.t975(5), 5e-4);
        assertEquals(2.228, Intervals.t975(10), 5e-4);
        assertEquals(2.042, Intervals.t975(30), 5e-4);
        assertEquals(1.984, Intervals.t975(100), 5e-4);
        assertEquals(Intervals.Z95, Intervals.t975(1_000_000), 0);
        // scipy.stats.t.ppf(0.975, df) to 1e-9 (make_expected.py beside this test's resources)
        assertEquals(2.7764451051977934, Intervals.t975(4), 1e-9);
        assertEquals(1.9623390808264083, Intervals.t975(1000), 1e-9);
    }

    @Test
    void meanIntervalIsStudentsT() {
        // by hand: mean 3, sample variance ((4+1+0+1+4)/4) = 2.5, standard error sqrt(2.5/5) = 0.70711,
        // t(0.975, 4) = 2.77645: 3 -+ 1.96324
        Interval ci = Intervals.mean(new double[]{1, 2, 3, 4, 5});
        assertInterval(1.03676, 4.96324, ci);
        assertFalse(Intervals.mean(new double[]{7}).defined());
        Interval constant = Intervals.mean(new double[]{2, 2, 2});
        assertEquals(2, constant.low(), 0);
        assertEquals(2, constant.high(), 0);
    }

    private static void assertInterval(double low, double high, Interval actual) {
        assertEquals(low, actual.low(), 5e-5, "low of " + actual);
        assertEquals(high, actual.high(), 5e-5, "high of " + actual);
    }
}
