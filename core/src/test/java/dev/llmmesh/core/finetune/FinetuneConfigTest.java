package dev.llmmesh.core.finetune;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FinetuneConfigTest {

    @Test
    void defaultsAreTheBooks() {
        FinetuneConfig c = FinetuneConfig.defaults();
        assertEquals(5, c.epochs());
        assertEquals(8, c.batchSize());
        assertEquals(5e-5, c.learningRate());
        assertEquals(0.1, c.weightDecay());
        assertEquals(Trainable.LAST_BLOCK, c.trainable());
        assertNull(c.earlyStoppingPatience());
        assertNull(c.dropout(), "the base model's own dropout");
        assertNull(c.minLearningRate(), "a constant rate");
        assertFalse(c.earlyStopping());
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void earlyStoppingIsOnForAPositivePatienceOnly() {
        assertFalse(FinetuneConfig.builder().earlyStoppingPatience(0).build().earlyStopping());
        assertTrue(FinetuneConfig.builder().earlyStoppingPatience(2).build().earlyStopping());
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().epochs(0).build());
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().batchSize(-1).build());
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().learningRate(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> FinetuneConfig.builder().learningRate(Double.NaN).build());
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().warmupSteps(-1).build());
        assertThrows(IllegalArgumentException.class,
                () -> FinetuneConfig.builder().learningRate(1e-4).minLearningRate(2e-4).build());
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().minLearningRate(-1e-6).build());
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().weightDecay(-0.1).build());
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().beta2(1).build());
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().gradClip(-1).build());
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().dropout(1.0).build());
        assertThrows(IllegalArgumentException.class, () -> FinetuneConfig.builder().dropout(-0.1).build());
        assertThrows(IllegalArgumentException.class,
                () -> FinetuneConfig.builder().earlyStoppingPatience(-1).build());
        assertThrows(NullPointerException.class, () -> FinetuneConfig.builder().trainable(null).build());
    }
}
