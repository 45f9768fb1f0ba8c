package dev.llmmesh.core.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LossTallyTest {

    @Test
    void theLossIsTokenWeighted() {
        // window A: 3 targets with NLL 1, 2, 3 (sum 6); window B: 1 target with NLL 10.
        // token mean = 16 / 4 = 4 (the mean of window means would be (2 + 10) / 2 = 6)
        PerplexityResult r = new LossTally().add(new double[]{-1, -2, -3}).add(new double[]{-10}).result();
        assertEquals(4, r.tokens());
        assertEquals(2, r.windows());
        assertEquals(4.0, r.loss(), 1e-12);
        assertEquals(Math.exp(4.0), r.perplexity(), 1e-9);
        // ratio estimator by hand: residuals S - loss*N = 6 - 12 = -6 and 10 - 4 = 6; se = sqrt(2/1 * 72) / 4 = 3;
        // t(0.975, 1) = 12.7062047 (make_expected.py): loss 4 -+ 38.1186
        double half = 12.706204736174694 * 3;
        assertEquals(Math.exp(4 - half), r.low(), 1e-9 * Math.exp(4 - half));
        assertEquals(Math.exp(4 + half), r.high(), 1e-9 * Math.exp(4 + half));
    }

    @Test
    void equalWindowsGiveTheIntervalOfWindowMeans() {
        // per-window mean losses 1.0, 1.5, 2.0, 1.1 over 3 targets each; make_expected.py (scipy) gives
        // loss 1.4, interval [0.6766203174606579, 2.123379682539342]
        LossTally tally = new LossTally()
                .add(new double[]{-1.0, -0.5, -1.5})
                .add(new double[]{-1.5, -1.5, -1.5})
                .addWindow(6.0, 3)
                .add(new double[]{-0.3, -1.1, -1.9});
        PerplexityResult r = tally.result();
        assertEquals(1.4, r.loss(), 1e-12);
        assertEquals(0.6766203174606579, r.lossInterval().low(), 1e-9);
        assertEquals(2.123379682539342, r.lossInterval().high(), 1e-9);
        assertEquals(1.967217912501437, r.low(), 1e-8);
        assertEquals(8.359341721419504, r.high(), 1e-8);
    }

    @Test
    void oneWindowHasNoIntervalAndBadInputIsRefused() {
        PerplexityResult r = new LossTally().add(new double[]{-2, -2}).result();
        assertEquals(2, r.loss(), 0);
        assertFalse(r.interval().defined());
        assertThrows(IllegalStateException.class, () -> new LossTally().result());
        assertThrows(IllegalArgumentException.class, () -> new LossTally().add(new double[]{0.5}));
        assertThrows(IllegalArgumentException.class, () -> new LossTally().add(new double[0]));
    }
}
