package dev.llmmesh.core.generate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.KvCache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Beam search as HuggingFace's {@code generate(num_beams=...)} does it: the {@code width} best partial sequences by
 * summed log probability go on each step; a beam that emits the end token is set aside as a finished hypothesis
 * scored {@code logprob / length^lengthPenalty} (length = generated tokens); the search ends when {@code width}
 * hypotheses are finished (HF's {@code early_stopping=True}), at {@code maxTokens}, or when the context is full,
 * and the unfinished beams then count as hypotheses too.
 *
 * <p>The beams live in the slots of one {@link KvCache}; each step reorders the slots to follow the surviving
 * beams' parents and feeds all beams' new tokens in one batched forward.
 */
public final class BeamSearch {
    private BeamSearch() {
    }

    /**
     * @param width         beams kept each step
     * @param maxTokens     tokens generated at most
     * @param lengthPenalty alpha in score = logprob / length^alpha: above 0 favours longer hypotheses
     * @param n             hypotheses returned, best first; at most {@code width}
     * @param endToken      the token that finishes a beam, or null for none
     */
    public record Params(int width, int maxTokens, double lengthPenalty, int n, Integer endToken) {
        public Params {
            if (width < 1) {
                throw new IllegalArgumentException("num_beams must be >= 1, got " + width);
            }
            if (maxTokens < 1) {
                throw new IllegalArgumentException("max_tokens must be >= 1, got " + maxTokens);
            }
            if (!Double.isFinite(lengthPenalty)) {
                throw new IllegalArgumentException("length_penalty must be finite, got " + lengthPenalty);
            }
            if (n < 1 || n > width) {
                throw new IllegalArgumentException("n must be in [1, num_beams=" + width + "], got " + n);
            }
        }
    }

    /** A finished hypothesis: its generated tokens, their summed log probability and its length-penalised score. */
    public record Beam(int[] tokens, double logprob, double score) {
    }

    private record Partial(int[] tokens, double logprob) {
        Beam finish(double lengthPenalty) {
            return new Beam(tokens, logprob, logprob / Math.pow(tokens.length, lengthPenalty));
        }
    }

    public static List<Beam> search(GptModel model, int[] prompt, Params params) {
        int vocab = model.config().vocabSize();
        int capacity = (int) Math.min(model.config().contextLength(), (long) prompt.length + params.maxTokens());
        if (prompt.length == 0 || prompt.length >= capacity) {
            throw new IllegalArgumentException("the prompt must hold 1 to " + (capacity - 1) + " tokens, got "
                    + prompt.length);
        }
        List<Beam> finished = new ArrayList<>();
        List<Partial> beams = List.of(new Partial(new int[0], 0));
        try (KvCache cache = model.newCache(params.width(), capacity);
             NDManager manager = model.manager().newSubManager()) {
            float[] logits;
            try (NDManager step = manager.newSubManager()) {
                logits = model.forward(step.create(prompt, new Shape(1, prompt.length)), cache, new int[] {0}, true)
                        .toFloatArray();
            }
            for (int length = 1; ; length++) {
                // Every (beam, token) extension, scored by the beam's logprob plus the token's.
                float[] scores = new float[beams.size() * vocab];
                for (int b = 0; b < beams.size(); b++) {
                    float[] row = Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab);
                    double logZ = Ranking.logSumExp(row);
                    for (int t = 0; t < vocab; t++) {
                        scores[b * vocab + t] = (float) (beams.get(b).logprob() + row[t] - logZ);
                    }
                }
                // 2 x width candidates, so that width unfinished ones remain even if up to width of them end.
                int[] ranked = Ranking.descending(scores, Math.min(scores.length, 2 * params.width()));
                List<Partial> next = new ArrayList<>(params.width());
                int[] parents = new int[params.width()];
                for (int rank = 0; rank < ranked.length && next.size() < params.width(); rank++) {
                    int parent = ranked[rank] / vocab;
                    int token = ranked[rank] % vocab;
                    int[] tokens = Arrays.copyOf(beams.get(parent).tokens(), length);
                    tokens[length - 1] = token;
                    Partial extended = new Partial(tokens, scores[ranked[rank]]);
                    if (params.endToken() != null && token == params.endToken()) {
                        // as HF: an end among the top width candidates finishes a hypothesis; below, it is dropped
                        if (rank < params.width()) {
                            finished.add(extended.finish(params.lengthPenalty()));
                        }
                        continue;
                    }
                    parents[next.size()] = parent;
                    next.add(extended);
                }
                boolean done = finished.size() >= params.width() || length == params.maxTokens()
                        || prompt.length + length >= capacity || next.isEmpty();
                if (done) {
                    next.forEach(p -> finished.add(p.finish(params.lengthPenalty())));
                    break;
                }
                cache.reorder(Arrays.copyOf(parents, next.size()));
                int[] slots = new int[next.size()];
                int[] fed = new int[next.size()];
                for (int b = 0; b < slots.length; b++) {
                    slots[b] = b;
                    fed[b] = next.get(b).tokens()[length - 1];
                }
                logits = model.nextTokenLogits(fed, cache, slots);
                beams = next;
            }
        }
        return finished.stream().sorted(Comparator.comparingDouble(Beam::score).reversed()).limit(params.n())
                .toList();
    }
}
