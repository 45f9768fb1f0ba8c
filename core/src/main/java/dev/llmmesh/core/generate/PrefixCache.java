package dev.llmmesh.core.generate;

import dev.llmmesh.core.model.KvCache;

import java.util.List;

/**
 * Attention states of prompt prefixes kept beyond one sequence (for instance shared between replicas), so a
 * {@link BatchDecoder} that sees a known prefix loads its keys and values instead of computing them again.
 * Called on the decoder's thread, in its prefill: an implementation that talks to a remote store should keep its
 * failures to itself (a miss) and do slow writes elsewhere.
 */
public interface PrefixCache {
    /** Keeps nothing: every prompt is prefilled whole. */
    PrefixCache NONE = new PrefixCache() {
        @Override
        public List<KvCache.Run> find(int[] prompt) {
            return List.of();
        }

        @Override
        public void prefilled(int[] prompt, int reused, KvCache cache, int slot) {
        }
    };

    /**
     * Known states of the prompt's first positions: consecutive runs from position 0, together shorter than the
     * prompt (its last token must go through the model to give the logits of the next one). Empty on a miss.
     */
    List<KvCache.Run> find(int[] prompt);

    /**
     * The prompt was prefilled into {@code slot} of {@code cache}: its first {@code reused} positions came from
     * {@link #find}, the rest were computed and may be read (now, before the decoder goes on) to keep them.
     */
    void prefilled(int[] prompt, int reused, KvCache cache, int slot);
}
