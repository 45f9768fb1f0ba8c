package dev.llmmesh.launcher.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.train.TrainConfig;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.jobs.PretrainSettings;
import dev.llmmesh.mesh.jobs.TrainerJob;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BaseModelSpecTest {
    private static final int GPT2_VOCABULARY = 50_257;

    @Test
    void theIdSpellsOutEverySetting() {
        assertEquals("recipes-base-v1-c256-l6-h4-t256-b8-s400", BaseModelSpec.DEFAULT.modelId());
        assertNotEquals(BaseModelSpec.DEFAULT.modelId(), BaseModelSpec.DEFAULT.withSteps(20).modelId());
        assertEquals(819_200, BaseModelSpec.DEFAULT.trainingTokens());
    }

    /** The job goes through the mesh's own parser of pretrain jobs, as the gateway and trainer will read it. */
    @Test
    void thePretrainJobIsOneTheMeshAccepts() throws Exception {
        Map<String, Object> job = RecipeBase.pretrainJob(BaseModelSpec.DEFAULT, "recipes-corpus-v1");
        job.put("jobId", "j1");
        JsonNode tree = Json.LENIENT.valueToTree(job);
        TrainerJob.Pretrain pretrain = Json.LENIENT.treeToValue(tree, TrainerJob.Pretrain.class);
        GptConfig shape = PretrainSettings.model(pretrain.shape(), GPT2_VOCABULARY);
        TrainConfig training = PretrainSettings.training(pretrain.hyperparameters(), pretrain.maxSteps(), null, shape);

        assertEquals(new GptConfig(GPT2_VOCABULARY, 256, 256, 6, 4, 0.0, shape.layerNormEps()), shape);
        // the figure BaseModelSpec's cost estimate starts from
        assertEquals(17_670_400, shape.parameterCount());
        assertEquals(400, training.maxSteps());
        assertEquals(2_048, training.tokensPerStep());
        assertEquals(40, training.warmupSteps());
        assertEquals("gpt2", pretrain.tokenizerId());
        assertEquals(BaseModelSpec.DEFAULT.modelId(), pretrain.modelId());
    }

    @Test
    void aBaseTooShortForARecipeIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new BaseModelSpec(256, 6, 4, 128, 8, 400));
        assertEquals("the recipes' base needs a context of at least 256, got 128", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BaseModelSpec.DEFAULT.withSteps(0));
    }
}
