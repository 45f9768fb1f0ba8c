package dev.llmmesh.launcher.demo;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainStepTest {
    @Test
    void theDefaultRunValidatesEveryFiftySteps() {
        Map<String, Object> h = PretrainStep.hyperparameters(300, 256);
        assertEquals(20, h.get("warmupSteps"));
        assertEquals(50, h.get("evalEvery"));
        assertEquals(100, h.get("checkpointEvery"));
    }

    /** A longer context trains on fewer, longer windows: a step costs about the same. */
    @Test
    void everyStepSeesTheSameNumberOfTokens() {
        for (int window : new int[] {64, 128, 256, 512}) {
            Map<String, Object> h = PretrainStep.hyperparameters(300, window);
            assertEquals(window, h.get("contextLength"));
            assertEquals(PretrainStep.STEP_TOKENS, (int) h.get("batchSize") * window);
        }
    }

    /** The trainer rejects a warmup longer than the run; --train-steps may be anything from 1. */
    @Test
    void shortRunsStayValid() {
        for (int steps : new int[] {1, 5, 12, 60}) {
            Map<String, Object> h = PretrainStep.hyperparameters(steps, 64);
            assertTrue((int) h.get("warmupSteps") <= steps, steps + ": " + h);
            assertTrue((int) h.get("evalEvery") >= 1, steps + ": " + h);
            assertTrue((int) h.get("checkpointEvery") >= 1, steps + ": " + h);
        }
    }
}
