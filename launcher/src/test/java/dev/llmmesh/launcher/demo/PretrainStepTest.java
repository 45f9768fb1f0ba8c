package dev.llmmesh.launcher.demo;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainStepTest {
    @Test
    void theDefaultRunValidatesEveryFiftySteps() {
        Map<String, Object> h = PretrainStep.hyperparameters(300);
        assertEquals(20, h.get("warmupSteps"));
        assertEquals(50, h.get("evalEvery"));
        assertEquals(100, h.get("checkpointEvery"));
    }

    /** The trainer rejects a warmup longer than the run; --train-steps may be anything from 1. */
    @Test
    void shortRunsStayValid() {
        for (int steps : new int[] {1, 5, 12, 60}) {
            Map<String, Object> h = PretrainStep.hyperparameters(steps);
            assertTrue((int) h.get("warmupSteps") <= steps, steps + ": " + h);
            assertTrue((int) h.get("evalEvery") >= 1, steps + ": " + h);
            assertTrue((int) h.get("checkpointEvery") >= 1, steps + ": " + h);
        }
    }
}
