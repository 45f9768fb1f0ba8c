package dev.llmmesh.bench;

import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.Generator;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.core.generate.SequenceOutput;
import dev.llmmesh.core.generate.StepEvent;
import dev.llmmesh.core.generate.TokenText;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;

import java.util.List;

/**
 * The same greedy completion as the gateway's, done in this JVM on the same checkpoint, timed from the prompt text
 * to the completion text (encoding included, as inference-service encodes too). Two ways:
 * <ul>
 *   <li>{@link #generate}: {@link Generator#complete}, a decoder sized for the one request (the anchor);</li>
 *   <li>{@link #serviceShaped}: one long-lived {@link BatchDecoder} sized like inference-service's engine
 *       ({@code max-sequences} slots of the model's whole context), driven step by step as the engine drives it,
 *       which tells the decoder's shape apart from the transport in the added latency.</li>
 * </ul>
 */
final class InProcessGeneration implements AutoCloseable {
    /** A finished completion: wall time, generated tokens, text. */
    record Answer(long nanos, int completionTokens, String text) {
    }

    private final GptModel model;
    private final BpeTokenizer tokenizer;
    private final TokenText tokenText;
    private final String prompt;
    private final List<Integer> stopTokens;
    private final BatchDecoder serviceDecoder;

    InProcessGeneration(GptModel model, BpeTokenizer tokenizer, String prompt, int serviceMaxSequences,
                        int serviceCapacity) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.tokenText = TokenText.of(tokenizer);
        this.prompt = prompt;
        // inference-service ends a completion at <|endoftext|>; so must the anchor, or the token counts differ.
        Integer endOfText = tokenizer.specialTokens().get("<|endoftext|>");
        this.stopTokens = endOfText == null ? List.of() : List.of(endOfText);
        this.serviceDecoder = new BatchDecoder(model, tokenText, serviceMaxSequences, serviceCapacity);
    }

    Answer generate(int maxTokens) {
        long t0 = System.nanoTime();
        int[] ids = tokenizer.encode(prompt, SpecialTokenPolicy.ALLOW_ALL);
        SequenceOutput out = Generator.complete(model, tokenText, ids, params(maxTokens)).choices().getFirst();
        return new Answer(System.nanoTime() - t0, out.tokens().length, out.text());
    }

    Answer serviceShaped(int maxTokens) {
        long t0 = System.nanoTime();
        int[] ids = tokenizer.encode(prompt, SpecialTokenPolicy.ALLOW_ALL);
        serviceDecoder.submit(ids, params(maxTokens), 1L);
        SequenceOutput out = null;
        while (!serviceDecoder.idle()) {
            for (StepEvent event : serviceDecoder.step()) {
                if (event.finished()) {
                    out = event.output();
                }
            }
        }
        if (out == null) {
            throw new IllegalStateException("the decoder went idle without finishing the sequence");
        }
        return new Answer(System.nanoTime() - t0, out.tokens().length, out.text());
    }

    /** Time from the prompt text to the first generated token (its prefill), in a decoder sized for the request. */
    long firstToken(int maxTokens) {
        long t0 = System.nanoTime();
        int[] ids = tokenizer.encode(prompt, SpecialTokenPolicy.ALLOW_ALL);
        int capacity = Math.min(model.config().contextLength(), ids.length + maxTokens);
        try (BatchDecoder decoder = new BatchDecoder(model, tokenText, 1, capacity)) {
            decoder.submit(ids, params(maxTokens), 1L);
            while (!decoder.idle()) {
                for (StepEvent event : decoder.step()) {
                    if (event.token() != StepEvent.NO_TOKEN) {
                        return System.nanoTime() - t0;
                    }
                }
            }
        }
        throw new IllegalStateException("no token was generated");
    }

    int promptTokens() {
        return tokenizer.encode(prompt, SpecialTokenPolicy.ALLOW_ALL).length;
    }

    private SamplingParams params(int maxTokens) {
        return SamplingParams.builder().maxTokens(maxTokens).temperature(0).stopTokenIds(stopTokens).seed(1L).build();
    }

    @Override
    public void close() {
        serviceDecoder.close();
    }
}
