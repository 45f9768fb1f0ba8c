package dev.llmmesh.core.train;

import ai.djl.ndarray.NDManager;
import dev.llmmesh.core.model.GptConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlopsTest {
    @Test
    void gpt2PerTokenMatchesTheNanoGptEstimate() {
        GptConfig gpt2 = GptConfig.named("gpt2");
        double flops = Flops.perToken(gpt2.parameterCount(), gpt2.layers(), 1024, gpt2.embedDim());
        // 6 * 124,439,808 + 12 * 12 * 1024 * 768
        assertEquals(6.0 * 124_439_808 + 12.0 * 12 * 1024 * 768, flops);
    }

    @Test
    void peakIsMeasuredAndPositive() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MatmulPeak peak = MatmulPeak.measure(manager, 256, 0.02);
            assertTrue(peak.repetitions() >= 5);
            assertTrue(peak.flopsPerSecond() > 1e8, peak.toString());
        }
    }
}
