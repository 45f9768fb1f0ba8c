package dev.llmmesh.core.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    @Test
    void defaultsAreValidAndStrideFollowsContext() {
        TrainConfig c = TrainConfig.defaults();
        assertEquals(c.contextLength(), c.stride());
        assertTrue(c.decayEmbeddings());
        assertEquals(128, TrainConfig.builder().contextLength(128).build().stride());
        assertEquals(64, TrainConfig.builder().contextLength(128).stride(64).build().stride());
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void errorsNameTheField() {
        assertMessage("batchSize", TrainConfig.builder().batchSize(0));
        assertMessage("minLearningRate", TrainConfig.builder().learningRate(1e-4).minLearningRate(1e-3));
        assertMessage("warmupSteps", TrainConfig.builder().maxSteps(10).warmupSteps(20));
        assertMessage("beta2", TrainConfig.builder().beta2(1));
        assertMessage("gradClip", TrainConfig.builder().gradClip(-1));
        assertMessage("validationFraction", TrainConfig.builder().validationFraction(1));
        assertMessage("gradAccumulation", TrainConfig.builder().gradAccumulation(0));
    }

    @Test
    void anUnsetWarmupIsATenthOfAShortRunAndAnExplicitOneIsKept() {
        assertEquals(100, TrainConfig.defaults().warmupSteps());
        assertEquals(5, TrainConfig.builder().maxSteps(50).build().warmupSteps());
        assertEquals(0, TrainConfig.builder().maxSteps(1).build().warmupSteps());
        assertEquals(100, TrainConfig.builder().maxSteps(100_000).build().warmupSteps());
        assertEquals(30, TrainConfig.builder().maxSteps(50).warmupSteps(30).build().warmupSteps());
        assertEquals(30, TrainConfig.builder().warmupSteps(30).build().toBuilder().maxSteps(40).build().warmupSteps());
    }

    private static void assertMessage(String field, TrainConfig.Builder builder) {
        var e = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(e.getMessage().startsWith(field + " "), e.getMessage());
    }
}
