package dev.llmmesh.core.model;

/**
 * The shape of a GPT-2 style model.
 *
 * @param vocabSize     rows of the token embedding (and, tied, of the LM head)
 * @param contextLength rows of the learned position embedding: the longest sequence the model reads
 * @param embedDim      width of the residual stream
 * @param layers        transformer blocks
 * @param heads         attention heads; must divide {@code embedDim}
 * @param dropout       applied to embeddings, attention weights and residual branches while training
 * @param layerNormEps  epsilon of every LayerNorm (GPT-2: 1e-5)
 */
public record GptConfig(int vocabSize, int contextLength, int embedDim, int layers, int heads, double dropout,
                        double layerNormEps) {
    public GptConfig {
        positive("vocabSize", vocabSize);
        positive("contextLength", contextLength);
        positive("embedDim", embedDim);
        positive("layers", layers);
        positive("heads", heads);
        if (embedDim % heads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must divide embedDim (" + embedDim + ")");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layerNormEps must be positive, got " + layerNormEps);
        }
    }

    /** Shapes by name: {@code tiny} for tests, and the four GPT-2 sizes. */
    public static GptConfig named(String name) {
        return switch (name) {
            case "tiny" -> new GptConfig(50257, 64, 64, 2, 4, 0.0, 1e-5);
            case "gpt2" -> new GptConfig(50257, 1024, 768, 12, 12, 0.1, 1e-5);
            case "gpt2-medium" -> new GptConfig(50257, 1024, 1024, 24, 16, 0.1, 1e-5);
            case "gpt2-large" -> new GptConfig(50257, 1024, 1280, 36, 20, 0.1, 1e-5);
            case "gpt2-xl" -> new GptConfig(50257, 1024, 1600, 48, 25, 0.1, 1e-5);
            default -> throw new IllegalArgumentException("unknown model config '" + name
                    + "'; known: tiny, gpt2, gpt2-medium, gpt2-large, gpt2-xl");
        };
    }

    public GptConfig withVocabSize(int vocabSize) {
        return new GptConfig(vocabSize, contextLength, embedDim, layers, heads, dropout, layerNormEps);
    }

    public GptConfig withContextLength(int contextLength) {
        return new GptConfig(vocabSize, contextLength, embedDim, layers, heads, dropout, layerNormEps);
    }

    public GptConfig withDropout(double dropout) {
        return new GptConfig(vocabSize, contextLength, embedDim, layers, heads, dropout, layerNormEps);
    }

    public int headDim() {
        return embedDim / heads;
    }

    /** Parameters with the LM head tied to the token embedding (124,439,808 for gpt2). */
    public long parameterCount() {
        long c = embedDim;
        return (long) vocabSize * c + (long) contextLength * c + layers * blockParameterCount()
                + finalNormParameterCount();
    }

    /** Parameters of one transformer block. */
    public long blockParameterCount() {
        long c = embedDim;
        return 2 * (2 * c)                     // two LayerNorms
                + c * 3 * c + 3 * c            // fused QKV
                + c * c + c                    // attention output projection
                + c * 4 * c + 4 * c            // MLP up
                + 4 * c * c + c;               // MLP down
    }

    /** Parameters of the final LayerNorm. */
    public long finalNormParameterCount() {
        return 2L * embedDim;
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
