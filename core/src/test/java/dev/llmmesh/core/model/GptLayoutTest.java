package dev.llmmesh.core.model;

import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GptLayoutTest {
    @Test
    void gpt2NamesShapesAndOrderMatchHuggingFace() {
        Map<String, Shape> shapes = GptLayout.shapes(GptConfig.named("gpt2"));
        assertEquals(2 + 12 * 12 + 2, shapes.size());
        List<String> names = List.copyOf(shapes.keySet());
        assertEquals(List.of("transformer.wte.weight", "transformer.wpe.weight",
                "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias",
                "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
                "transformer.h.0.attn.c_proj.weight", "transformer.h.0.attn.c_proj.bias",
                "transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias",
                "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_fc.bias",
                "transformer.h.0.mlp.c_proj.weight", "transformer.h.0.mlp.c_proj.bias",
                "transformer.h.1.ln_1.weight"), names.subList(0, 15));
        assertEquals(List.of("transformer.h.11.mlp.c_proj.bias", "transformer.ln_f.weight", "transformer.ln_f.bias"),
                names.subList(names.size() - 3, names.size()));

        assertEquals(new Shape(50257, 768), shapes.get("transformer.wte.weight"));
        assertEquals(new Shape(1024, 768), shapes.get("transformer.wpe.weight"));
        assertEquals(new Shape(768), shapes.get("transformer.h.5.ln_1.weight"));
        assertEquals(new Shape(768, 2304), shapes.get("transformer.h.5.attn.c_attn.weight"));
        assertEquals(new Shape(2304), shapes.get("transformer.h.5.attn.c_attn.bias"));
        assertEquals(new Shape(768, 768), shapes.get("transformer.h.5.attn.c_proj.weight"));
        assertEquals(new Shape(768), shapes.get("transformer.h.5.attn.c_proj.bias"));
        assertEquals(new Shape(768, 3072), shapes.get("transformer.h.5.mlp.c_fc.weight"));
        assertEquals(new Shape(3072), shapes.get("transformer.h.5.mlp.c_fc.bias"));
        assertEquals(new Shape(3072, 768), shapes.get("transformer.h.5.mlp.c_proj.weight"));
        assertEquals(new Shape(768), shapes.get("transformer.h.5.mlp.c_proj.bias"));
        assertEquals(new Shape(768), shapes.get("transformer.ln_f.bias"));
    }

    @Test
    void parameterCountsAgreeWithTheConfig() {
        assertEquals(124_439_808L, GptLayout.parameterCount(GptConfig.named("gpt2")));
        for (String name : List.of("tiny", "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl")) {
            GptConfig config = GptConfig.named(name);
            assertEquals(config.parameterCount(), GptLayout.parameterCount(config), name);
        }
    }
}
