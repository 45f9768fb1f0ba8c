package dev.llmmesh.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.KvCache;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Continuous batching: up to {@code maxSequences} sequences of different lengths decode together, one batched
 * forward per step, each in its own slot of one preallocated {@link KvCache} at its own position. Sequences join
 * ({@link #submit}) and leave (finishing, or {@link #cancel}) between steps; a finished sequence's slot goes to
 * the next one waiting.
 *
 * <p>A caller (the inference service) drives it one {@link #step()} at a time and streams each
 * {@link StepEvent}. In a step, every running sequence gets one token from a single forward of [running, 1] token
 * ids; then waiting sequences take free slots and are prefilled one by one (a prefill is a forward of the whole
 * prompt), each getting its first token from it. The results equal decoding each sequence alone: rows never see
 * each other (per-row positions and an attention mask over per-slot keys), and each sequence samples with its own
 * seeded generator.
 *
 * <p>Sequences with the same prompt that join in the same step (the {@code n} samples of one request) share one
 * prefill: the first one's keys and values are copied into the others' slots, and each samples its first token from
 * the same logits with its own generator.
 *
 * <p>With a {@link PrefixCache}, a prefill first loads what the cache knows of the prompt's start into the slot and
 * feeds only the rest of the prompt through the model (except with {@code echo}, which needs the logits of every
 * prompt position), then lets the cache keep what was computed.
 *
 * <p>Not thread-safe: one thread drives a decoder. {@link #close()} frees the cache.
 */
public final class BatchDecoder implements AutoCloseable {
    private final GptModel model;
    private final TokenText text;
    private final KvCache cache;
    private final NDManager manager;
    private final int vocab;
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    /** Running sequences by slot, so a decode batch lists its slots in order (a run of slots reads as a view). */
    private final TreeMap<Integer, Sequence> running = new TreeMap<>();
    private final BitSet free;
    private final PrefixCache prefixes;
    private long nextId;
    private long promptTokensReused;
    private long promptsShared;
    private long promptTokensComputed;

    /**
     * @param text     token bytes for stop sequences and streamed text; null to work on tokens alone
     * @param capacity positions per sequence (prompt + generated), at most the model's context length
     */
    public BatchDecoder(GptModel model, TokenText text, int maxSequences, int capacity) {
        this(model, text, maxSequences, capacity, PrefixCache.NONE);
    }

    /**
     * @param prefixes where prefills look up and leave the states of prompt prefixes ({@link PrefixCache#NONE}: none)
     */
    public BatchDecoder(GptModel model, TokenText text, int maxSequences, int capacity, PrefixCache prefixes) {
        this.prefixes = Objects.requireNonNull(prefixes, "prefixes");
        this.model = model;
        this.text = text;
        this.vocab = model.config().vocabSize();
        this.cache = model.newCache(maxSequences, capacity);
        this.manager = model.manager().newSubManager();
        this.free = new BitSet(maxSequences);
        free.set(0, maxSequences);
    }

    /**
     * Queues one sequence; it is prefilled at a coming step, as soon as a slot is free.
     *
     * @param seed seeds this sequence's sampler (for {@code n} samples, give each its own)
     * @return the sequence's id, as its events carry it
     */
    public long submit(int[] prompt, SamplingParams params, long seed) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token");
        }
        if (prompt.length > maxPrompt(cache.capacity(), params)) {
            throw new IllegalArgumentException("the prompt's " + prompt.length + " tokens do not fit the "
                    + cache.capacity() + " positions of a sequence");
        }
        for (int token : prompt) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("token " + token + " is outside the vocabulary of " + vocab);
            }
        }
        if (!params.stop().isEmpty() && text == null) {
            throw new IllegalArgumentException("stop sequences need the tokens' text: give the decoder a TokenText");
        }
        Sequence sequence = new Sequence(nextId++, prompt, params, seed, text);
        waiting.add(sequence);
        return sequence.id();
    }

    /**
     * The longest prompt a sequence of {@code capacity} positions takes: one more token when it is only scored (echo,
     * nothing generated), since its last token is a target and never an input. A model trained on its whole context
     * is thus scored on the same windows of context + 1 tokens its training measured.
     */
    public static int maxPrompt(int capacity, SamplingParams params) {
        return params.echo() && params.maxTokens() == 0 ? capacity + 1 : capacity;
    }

    /** Ends a waiting or running sequence now; its slot is free for the next step. Empty if it is not here. */
    public Optional<SequenceOutput> cancel(long id) {
        for (Sequence s : waiting) {
            if (s.id() == id) {
                waiting.remove(s);
                return Optional.of(s.end(FinishReason.CANCELLED).output());
            }
        }
        for (var entry : running.entrySet()) {
            if (entry.getValue().id() == id) {
                release(entry.getKey());
                return Optional.of(entry.getValue().end(FinishReason.CANCELLED).output());
            }
        }
        return Optional.empty();
    }

    /** A prefill of this step, which a later sequence with the same prompt may copy. */
    /**
     * @param logits         the last prompt position's logits, which give the first token
     * @param promptLogprobs with echo, the prompt's scores; else null
     */
    private record Prefilled(Sequence sequence, int slot, float[] logits, List<TokenLogprob> promptLogprobs,
                             int reused) {
        boolean sharable(Sequence other) {
            return other.params().echo() == sequence.params().echo()
                    && other.alternatives() == sequence.alternatives()
                    && Arrays.equals(other.prompt(), sequence.prompt());
        }
    }

    /** One decode step; see the class comment. Empty when there is nothing to do. */
    public List<StepEvent> step() {
        List<StepEvent> events = new ArrayList<>();
        if (!running.isEmpty()) {
            decode(events);
        }
        List<Prefilled> prefilled = new ArrayList<>();
        while (!waiting.isEmpty() && !free.isEmpty()) {
            Sequence next = waiting.poll();
            int slot = free.nextSetBit(0);
            // The first sample may already have finished (and freed its slot) on its first token.
            Optional<Prefilled> sibling = prefilled.stream()
                    .filter(p -> p.sharable(next) && running.get(p.slot()) == p.sequence()).findFirst();
            if (sibling.isPresent()) {
                share(next, slot, sibling.get(), events);
            } else {
                prefill(next, slot, events).ifPresent(prefilled::add);
            }
        }
        return events;
    }

    /** Nothing waiting and nothing running. */
    public boolean idle() {
        return waiting.isEmpty() && running.isEmpty();
    }

    public int runningCount() {
        return running.size();
    }

    /** The cache slots of the running sequences, ascending. */
    public int[] runningSlots() {
        return running.keySet().stream().mapToInt(Integer::intValue).toArray();
    }

    public int waitingCount() {
        return waiting.size();
    }

    public int capacity() {
        return cache.capacity();
    }

    /** Prompt positions whose keys and values came from the {@link PrefixCache}, since the decoder was made. */
    public long promptTokensReused() {
        return promptTokensReused;
    }

    /** Sequences that started from a copy of another's prefill in the same step, since the decoder was made. */
    public long promptsShared() {
        return promptsShared;
    }

    /** Prompt positions fed through the model in prefills, since the decoder was made. */
    public long promptTokensComputed() {
        return promptTokensComputed;
    }

    private void decode(List<StepEvent> events) {
        List<Sequence> batch = new ArrayList<>(running.values());
        int[] slots = runningSlots();
        int[] last = batch.stream().mapToInt(Sequence::lastToken).toArray();
        float[] logits = model.nextTokenLogits(last, cache, slots);
        for (int b = 0; b < slots.length; b++) {
            float[] row = Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab);
            events.add(accept(batch.get(b), slots[b], row));
        }
    }

    /** Prefills {@code sequence} into {@code slot}; what a sibling may copy, unless the sequence ended at once. */
    private Optional<Prefilled> prefill(Sequence sequence, int slot, List<StepEvent> events) {
        int[] prompt = sequence.prompt();
        boolean echo = sequence.params().echo();
        float[] logits;
        List<TokenLogprob> promptLogprobs = null;
        int reused = 0;
        try {
            // Echo scores every prompt position, so it needs logits a reused prefix would never produce.
            reused = echo ? 0 : reuse(prompt, slot);
            // A scored prompt one token longer than the slot: its last token is only a target (see maxPrompt).
            int inputs = Math.min(prompt.length, cache.capacity());
            int[] rest = Arrays.copyOfRange(prompt, reused, inputs);
            try (NDManager step = manager.newSubManager()) {
                NDArray ids = step.create(rest, new Shape(1, rest.length));
                NDArray out = model.forward(ids, cache, new int[] {slot}, !echo);
                if (echo) {
                    promptLogprobs = PromptScores.of(out, prompt, sequence.alternatives());
                    logits = out.get(new NDIndex("0, -1, :")).toFloatArray();
                } else {
                    logits = out.toFloatArray();
                }
            }
        } catch (RuntimeException e) {
            // The slot is still free: it must not keep a half-loaded prefix for the next sequence.
            cache.clear(slot);
            throw e;
        }
        promptTokensReused += reused;
        promptTokensComputed += Math.min(prompt.length, cache.capacity()) - reused;
        if (!echo) {
            prefixes.prefilled(prompt, reused, cache, slot);
        }
        start(sequence, slot, logits, promptLogprobs, reused, events);
        return running.get(slot) == sequence
                ? Optional.of(new Prefilled(sequence, slot, logits, promptLogprobs, reused)) : Optional.empty();
    }

    /** Starts {@code sequence} in {@code slot} from a copy of its sibling's prefilled prompt. */
    private void share(Sequence sequence, int slot, Prefilled sibling, List<StepEvent> events) {
        cache.copySlot(sibling.slot(), slot);
        promptsShared++;
        start(sequence, slot, sibling.logits(), sibling.promptLogprobs(), sibling.reused(), events);
    }

    /**
     * Takes {@code slot} for a prefilled sequence and gives it its first token from {@code logits}, the last prompt
     * position's (or ends it, for max_tokens 0).
     */
    private void start(Sequence sequence, int slot, float[] logits, List<TokenLogprob> promptLogprobs, int reused,
                       List<StepEvent> events) {
        sequence.cachedPromptTokens(reused);
        free.clear(slot);
        running.put(slot, sequence);
        if (promptLogprobs != null) {
            sequence.promptLogprobs(promptLogprobs);
        }
        if (sequence.params().maxTokens() == 0) {
            release(slot);
            events.add(sequence.end(FinishReason.LENGTH));
            return;
        }
        events.add(accept(sequence, slot, logits));
    }

    /** Loads what the prefix cache knows of the prompt into the empty {@code slot}; returns the positions loaded. */
    private int reuse(int[] prompt, int slot) {
        List<KvCache.Run> runs = prefixes.find(prompt);
        int end = 0;
        for (KvCache.Run run : runs) {
            if (run.from() != end) {
                throw new IllegalStateException("the prefix cache's runs must follow each other from position 0; one"
                        + " starts at " + run.from() + " instead of " + end);
            }
            end = run.end();
        }
        if (end >= prompt.length) {
            throw new IllegalStateException("the prefix cache returned " + end + " positions of a " + prompt.length
                    + "-token prompt: the last token must be left to the model");
        }
        for (KvCache.Run run : runs) {
            cache.append(slot, run);
        }
        return end;
    }

    private StepEvent accept(Sequence sequence, int slot, float[] row) {
        StepEvent event = sequence.accept(row, cache.length(slot) < cache.capacity());
        if (event.finished()) {
            release(slot);
        }
        return event;
    }

    private void release(int slot) {
        running.remove(slot);
        cache.clear(slot);
        free.set(slot);
    }

    @Override
    public void close() {
        cache.close();
        manager.close();
    }
}
