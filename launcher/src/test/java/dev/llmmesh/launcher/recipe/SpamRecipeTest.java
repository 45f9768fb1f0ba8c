package dev.llmmesh.launcher.recipe;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fine-tune job in the trainer's field names (/work/notes/api13-trainer.md, TrainerJob.FinetuneClassifier). */
class SpamRecipeTest {
    private static SpamSettings settings(String trainable, Integer maxLength) {
        return new SpamSettings(List.of(1L), trainable, "mean", null, maxLength, "head-tail", BaseModelSpec.DEFAULT,
                Duration.ofMinutes(1), false);
    }

    @Test
    void aSeedsJobNamesBaseDatasetSeedAndWhatTrains() {
        Map<String, Object> job = SpamRecipe.job(settings("last-block", 128), "base", "spamassassin-v1", "spam-x-s2", 2);
        assertEquals(List.of("type", "modelId", "baseModelId", "datasetId", "seed", "trainable", "pooling",
                "maxLength", "truncation", "hyperparameters"), List.copyOf(job.keySet()));
        assertEquals("finetune-classifier", job.get("type"));
        assertEquals("spam-x-s2", job.get("modelId"));
        assertEquals("base", job.get("baseModelId"));
        assertEquals("spamassassin-v1", job.get("datasetId"));
        assertEquals(2L, job.get("seed"));
        assertEquals("last-block", job.get("trainable"));
        assertEquals("mean", job.get("pooling"));
        assertEquals(128, job.get("maxLength"));
        assertEquals("head-tail", job.get("truncation"));
        assertEquals(Map.of("epochs", 5, "batchSize", 8, "learningRate", 2e-4, "weightDecay", 0.1), job.get("hyperparameters"));
    }

    @Test
    void withoutMaxLengthTheMailsFirstTokensUpToTheBasesContextAreRead() {
        assertEquals(SpamSettings.DEFAULT_MAX_LENGTH, SpamRecipe.job(settings("all", null), "b", "d", "m", 1)
                .get("maxLength"));
    }
}
