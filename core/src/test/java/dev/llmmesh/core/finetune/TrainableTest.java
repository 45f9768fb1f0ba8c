package dev.llmmesh.core.finetune;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static dev.llmmesh.core.finetune.FinetuneTesting.classifier;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainableTest {

    @Test
    void wireNamesRoundTripAndUnknownNamesListTheValidOnes() {
        for (Trainable t : Trainable.values()) {
            assertSame(t, Trainable.of(t.wireName()));
        }
        assertEquals(List.of("head", "last-block", "all"),
                List.of(Trainable.HEAD.wireName(), Trainable.LAST_BLOCK.wireName(), Trainable.ALL.wireName()));
        assertSame(Trainable.LAST_BLOCK, Trainable.DEFAULT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trainable.of("LAST_BLOCK"));
        assertTrue(e.getMessage().contains("head, last-block, all"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Trainable.of(null));
    }

    @Test
    void selectsTheHeadTheLastBlockOrEverything() {
        try (ClassifierModel model = classifier(1)) {
            assertEquals(Set.of("score.weight"), Trainable.HEAD.select(model).keySet());
            Set<String> lastBlock = Trainable.LAST_BLOCK.select(model).keySet();
            // SMALL has 2 layers: h.1's 12 tensors, ln_f's 2, the head
            assertEquals(15, lastBlock.size());
            assertTrue(lastBlock.contains("transformer.h.1.attn.c_attn.weight"));
            assertTrue(lastBlock.contains("transformer.h.1.ln_1.bias"));
            assertTrue(lastBlock.contains("transformer.ln_f.weight"));
            assertTrue(lastBlock.contains("score.weight"));
            assertTrue(lastBlock.stream().noneMatch(n -> n.startsWith("transformer.h.0.") || n.contains("wte")
                    || n.contains("wpe")));
            assertEquals(model.parameters().keySet(), Trainable.ALL.select(model).keySet());
            // live arrays, not copies: the loop updates the model's own weights
            assertSame(model.parameters().get("score.weight"), Trainable.HEAD.select(model).get("score.weight"));
        }
    }
}
