package dev.llmmesh.core.tokenizer;

import java.io.IOException;
import java.io.Reader;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Learns a byte-level BPE, GPT-2 style, from a corpus.
 *
 * <p>The corpus is cut around the special tokens and split into GPT-2 pieces ("words"); each distinct word
 * is counted once with its frequency. Ids 0..255 are the single bytes (id = byte value). Then, until the
 * vocabulary is full, the most frequent adjacent pair of tokens inside words becomes a new token. As
 * HuggingFace's trainer does, pair counts are kept up to date incrementally from the words a merge touches,
 * each pair knows the words it occurs in, and a priority queue holds the candidates with lazy invalidation:
 * a popped pair whose count has since dropped goes back with its current count.
 *
 * <p>Ties: among pairs with the same count, the one with the smaller left id wins, then the smaller right
 * id. Ids only depend on the corpus, so the same corpus always gives the same model.
 *
 * <p>Merge {@code i} makes token {@code 256 + i}, and no two tokens have the same bytes (which
 * tokenizer.json, mapping spellings to ids, could not hold). HuggingFace's trainer checks for a repeat; here
 * none can happen: a later pair spelling an existing token's bytes would sit on a stretch of a word that was
 * never merged across its ends, so that stretch went through the same merges as the one the token was made
 * from, and would have become that token at its step.
 *
 * <p>Special tokens get the ids after the learned ones, in configuration order.
 */
public final class BpeTrainer {
    public static final String COUNTING = "counting words";
    public static final String MERGING = "merging";
    private static final long REPORT_EVERY_CHARS = 1 << 20;

    private final BpeTrainerConfig config;
    private final ProgressListener progress;

    public BpeTrainer(BpeTrainerConfig config) {
        this(config, ProgressListener.NONE);
    }

    public BpeTrainer(BpeTrainerConfig config, ProgressListener progress) {
        this.config = config;
        this.progress = progress;
    }

    /** Trains on documents; no word spans two documents. Progress counts chars. */
    public BpeModel train(Iterable<String> documents) {
        var counter = new WordCounter(config.specialTokens());
        long chars = 0;
        long reported = 0;
        for (String document : documents) {
            counter.add(document);
            chars += document.length();
            if (chars - reported >= REPORT_EVERY_CHARS) {
                progress.onProgress(chars, chars, COUNTING);
                reported = chars;
            }
        }
        progress.onProgress(chars, chars, COUNTING);
        return merge(counter.words());
    }

    /** Trains on UTF-8 files, each one document, streamed so none has to fit in memory. Progress counts bytes. */
    public BpeModel trainFiles(List<Path> files) throws IOException {
        var counter = new WordCounter(config.specialTokens());
        long total = 0;
        for (Path file : files) {
            total += Files.size(file);
        }
        long done = 0;
        for (Path file : files) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                 Reader reader = Channels.newReader(channel, StandardCharsets.UTF_8)) {
                long before = done;
                long all = total;
                counter.add(reader, () -> progress.onProgress(before + position(channel), all, COUNTING));
                done += channel.size();
            } catch (CharacterCodingException e) {
                throw new IOException(file + " is not valid UTF-8", e);
            }
        }
        return merge(counter.words());
    }

    private static long position(FileChannel channel) {
        try {
            return channel.position();
        } catch (IOException e) {
            // Only progress depends on it; the read itself would have failed first.
            return 0;
        }
    }

    private BpeModel merge(List<WordCounter.WordCount> words) {
        var run = new MergeRun(words, config.minFrequency());
        int target = BpeTrainerConfig.BYTE_TOKENS + config.learnableTokens();
        int reportEvery = Math.max(1, config.learnableTokens() / 100);
        while (run.tokens.size() < target && run.mergeBest()) {
            int learned = run.tokens.size() - BpeTrainerConfig.BYTE_TOKENS;
            if (learned % reportEvery == 0) {
                progress.onProgress(learned, config.learnableTokens(), MERGING);
            }
        }
        progress.onProgress(run.tokens.size() - BpeTrainerConfig.BYTE_TOKENS, config.learnableTokens(), MERGING);

        var tokens = new ArrayList<>(run.tokens);
        var specials = new HashMap<String, Integer>();
        for (String special : config.specialTokens()) {
            specials.put(special, tokens.size());
            tokens.add(special.getBytes(StandardCharsets.UTF_8));
        }
        return new BpeModel(tokens, run.merges, specials);
    }

    /** A queued candidate: the pair's count when it was queued, possibly stale by the time it is popped. */
    private record Candidate(long count, int left, int right) {
        static final Comparator<Candidate> BEST_FIRST = Comparator.comparingLong(Candidate::count).reversed()
                .thenComparingInt(Candidate::left)
                .thenComparingInt(Candidate::right);
    }

    /** The current count of an adjacent pair and the words it (may) occur in. */
    private static final class PairStats {
        final int left;
        final int right;
        long count;
        // Words are only ever added, so some may no longer hold the pair; merging them is a no-op.
        int[] words = new int[4];
        int wordCount;

        PairStats(int left, int right) {
            this.left = left;
            this.right = right;
        }

        void addWord(int word) {
            // Words are visited one at a time, so a repeat within a word is always the last one added.
            if (wordCount > 0 && words[wordCount - 1] == word) {
                return;
            }
            if (wordCount == words.length) {
                words = Arrays.copyOf(words, wordCount * 2);
            }
            words[wordCount++] = word;
        }
    }

    /** The state of one training run: words as token ids, pair counts, and the queue of candidates. */
    private static final class MergeRun {
        final List<byte[]> tokens = new ArrayList<>();
        final List<Merge> merges = new ArrayList<>();
        private final int[][] symbols;
        private final int[] lengths;
        private final long[] frequencies;
        private final long minFrequency;
        private final HashMap<Long, PairStats> pairs = new HashMap<>();
        private final PriorityQueue<Candidate> queue = new PriorityQueue<>(Candidate.BEST_FIRST);
        /** Pairs that appeared since the queue was last fed. */
        private final List<PairStats> created = new ArrayList<>();
        /** The pair being merged: its own count is dropped whole, so changes to it are ignored. */
        private long merging = -1;

        MergeRun(List<WordCounter.WordCount> words, long minFrequency) {
            this.minFrequency = minFrequency;
            for (int b = 0; b < BpeTrainerConfig.BYTE_TOKENS; b++) {
                tokens.add(new byte[] {(byte) b});
            }
            symbols = new int[words.size()][];
            lengths = new int[words.size()];
            frequencies = new long[words.size()];
            for (int w = 0; w < symbols.length; w++) {
                byte[] bytes = words.get(w).bytes();
                int[] s = new int[bytes.length];
                for (int i = 0; i < s.length; i++) {
                    s[i] = bytes[i] & 0xFF;
                }
                symbols[w] = s;
                lengths[w] = s.length;
                frequencies[w] = words.get(w).count();
                for (int i = 0; i + 1 < s.length; i++) {
                    change(s[i], s[i + 1], frequencies[w], w);
                }
            }
            enqueueCreated();
        }

        /** Merges the best pair; false when no pair is frequent enough. */
        boolean mergeBest() {
            while (true) {
                Candidate top = queue.poll();
                if (top == null) {
                    return false;
                }
                long key = key(top.left(), top.right());
                PairStats pair = pairs.get(key);
                long count = pair == null ? 0 : pair.count;
                if (count != top.count()) {
                    if (count > 0) {
                        queue.add(new Candidate(count, top.left(), top.right()));
                    } else {
                        pairs.remove(key);
                    }
                    continue;
                }
                // Every other candidate's true count is at most its queued count, which is at most this one.
                if (count < minFrequency) {
                    return false;
                }
                apply(pair, key);
                return true;
            }
        }

        private void apply(PairStats pair, long key) {
            byte[] left = tokens.get(pair.left);
            byte[] right = tokens.get(pair.right);
            byte[] bytes = Arrays.copyOf(left, left.length + right.length);
            System.arraycopy(right, 0, bytes, left.length, right.length);
            int id = tokens.size();
            tokens.add(bytes);
            merges.add(new Merge(pair.left, pair.right, id));

            pairs.remove(key);
            merging = key;
            for (int i = 0; i < pair.wordCount; i++) {
                mergeInWord(pair.words[i], pair.left, pair.right, id);
            }
            merging = -1;
            enqueueCreated();
        }

        /**
         * Replaces every non-overlapping {@code a b} in the word, left to right, by {@code id} and moves the
         * word's frequency from the neighbour pairs it broke to the ones it made.
         */
        private void mergeInWord(int w, int a, int b, int id) {
            int[] s = symbols[w];
            int n = lengths[w];
            long f = frequencies[w];
            int out = 0;
            int in = 0;
            while (in < n) {
                if (in + 1 < n && s[in] == a && s[in + 1] == b) {
                    if (out > 0) {
                        change(s[out - 1], a, -f, w);
                        change(s[out - 1], id, f, w);
                    }
                    if (in + 2 < n) {
                        change(b, s[in + 2], -f, w);
                        change(id, s[in + 2], f, w);
                    }
                    s[out++] = id;
                    in += 2;
                } else {
                    s[out++] = s[in++];
                }
            }
            lengths[w] = out;
        }

        private void change(int left, int right, long delta, int word) {
            long key = key(left, right);
            if (key == merging) {
                return;
            }
            PairStats pair = pairs.get(key);
            if (pair == null) {
                pair = new PairStats(left, right);
                pairs.put(key, pair);
                created.add(pair);
            }
            pair.count += delta;
            if (delta > 0) {
                pair.addWord(word);
            }
        }

        /**
         * A merge only adds to pairs holding the token it makes, which are all new; every other count can
         * only fall, leaving its queued count too high, which popping corrects. So queueing the new pairs
         * is all it takes for a confirmed best candidate to be the truly best pair.
         */
        private void enqueueCreated() {
            for (PairStats pair : created) {
                if (pair.count > 0) {
                    queue.add(new Candidate(pair.count, pair.left, pair.right));
                } else {
                    pairs.remove(key(pair.left, pair.right));
                }
            }
            created.clear();
        }

        private static long key(int left, int right) {
            return (long) left << 32 | right;
        }
    }
}
