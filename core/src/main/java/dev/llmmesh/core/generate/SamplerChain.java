package dev.llmmesh.core.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The processors a {@link SamplingParams} asks for, in the order HuggingFace and vLLM apply them (penalties on the
 * raw logits, then temperature, top-k, top-p, min-p), and the sampler that draws the token: argmax at temperature
 * 0, else a categorical draw. Works on a copy, so the raw logits stay for the log probabilities.
 */
public record SamplerChain(List<LogitsProcessor> processors, Sampler sampler) {
    public SamplerChain {
        processors = List.copyOf(processors);
    }

    public static SamplerChain of(SamplingParams params, RandomGenerator random) {
        List<LogitsProcessor> processors = new ArrayList<>();
        if (params.repetitionPenalty() != 1) {
            processors.add(new LogitsProcessor.RepetitionPenalty(params.repetitionPenalty()));
        }
        if (params.presencePenalty() != 0 || params.frequencyPenalty() != 0) {
            processors.add(new LogitsProcessor.PresenceFrequencyPenalty(params.presencePenalty(),
                    params.frequencyPenalty()));
        }
        if (params.isGreedy()) {
            // Truncation and scaling cannot change the argmax; only the penalties can.
            return new SamplerChain(processors, new Sampler.Argmax());
        }
        if (params.temperature() != 1) {
            processors.add(new LogitsProcessor.Temperature(params.temperature()));
        }
        if (params.topK() > 0) {
            processors.add(new LogitsProcessor.TopK(params.topK()));
        }
        if (params.topP() < 1) {
            processors.add(new LogitsProcessor.TopP(params.topP()));
        }
        if (params.minP() > 0) {
            processors.add(new LogitsProcessor.MinP(params.minP()));
        }
        return new SamplerChain(processors, new Sampler.Categorical(random));
    }

    /** The next token after {@code rawLogits} (left untouched). */
    public int next(float[] rawLogits, TokenHistory history) {
        float[] logits = processors.isEmpty() ? rawLogits : Arrays.copyOf(rawLogits, rawLogits.length);
        for (LogitsProcessor processor : processors) {
            processor.apply(logits, history);
        }
        return sampler.sample(logits);
    }
}
