package dev.llmmesh.core.tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Byte-level BPE encoder and decoder, GPT-2 style: text is split by {@link Gpt2PreTokenizer}, each piece
 * becomes UTF-8 bytes, and the bytes are merged by merge priority within the piece.
 *
 * <p>Pieces repeat a lot in natural text, so each thread keeps a bounded cache of piece -> ids.
 */
public final class BpeTokenizer implements Tokenizer {
    private static final int CACHE_LIMIT = 1 << 16;
    private static final int[] EMPTY = new int[0];

    private final String name;
    private final BpeModel model;
    private final byte[][] tokenBytes;
    private final int[] byteToken = new int[256];
    private final PairRanks ranks;
    // Entry index -> id: an int array instead of boxed values saves a dependent load per piece.
    private final ByteSliceMap<Void> wholePieces;
    private final int[] wholePieceIds;
    private final String[] specials;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** HuggingFace semantics: a piece is encoded only by applying merges. */
    public BpeTokenizer(String name, BpeModel model) {
        this(name, model, false);
    }

    /**
     * @param wholePieceFirst tiktoken semantics: a piece that is itself a token is that token, whatever
     *                        the merges would make of it
     */
    public BpeTokenizer(String name, BpeModel model, boolean wholePieceFirst) {
        this.name = Objects.requireNonNull(name, "name");
        this.model = model;
        this.tokenBytes = model.tokens().toArray(byte[][]::new);
        this.ranks = new PairRanks(model.merges());
        Arrays.fill(byteToken, -1);
        var specialIds = new java.util.HashSet<>(model.specialTokens().values());
        for (int id = 0; id < tokenBytes.length; id++) {
            if (tokenBytes[id].length == 1 && !specialIds.contains(id) && byteToken[tokenBytes[id][0] & 0xFF] < 0) {
                byteToken[tokenBytes[id][0] & 0xFF] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteToken[b] < 0) {
                throw new IllegalArgumentException("tokenizer " + name + " has no token for byte " + b
                        + ": a byte-level BPE needs all 256 single-byte tokens");
            }
        }
        if (wholePieceFirst) {
            wholePieces = new ByteSliceMap<>(tokenBytes.length);
            wholePieceIds = new int[tokenBytes.length];
            for (int id = 0; id < tokenBytes.length; id++) {
                if (!specialIds.contains(id)) {
                    wholePieceIds[wholePieces.put(tokenBytes[id], 0, tokenBytes[id].length, null)] = id;
                }
            }
        } else {
            wholePieces = null;
            wholePieceIds = null;
        }
        // Longest first, so that a special that contains another is found whole.
        specials = model.specialTokens().keySet().stream()
                .sorted((a, b) -> b.length() != a.length() ? b.length() - a.length() : a.compareTo(b))
                .toArray(String[]::new);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vocabSize() {
        return tokenBytes.length;
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return model.specialTokens();
    }

    public BpeModel model() {
        return model;
    }

    @Override
    public int[] encode(String text, SpecialTokenPolicy policy) {
        Objects.requireNonNull(text, "text");
        Scratch s = scratch.get();
        s.out.clear();
        // Next occurrence of each allowed special; disallowed ones are an error wherever they are.
        int[] next = new int[specials.length];
        for (int k = 0; k < specials.length; k++) {
            next[k] = -1;
            int i = text.indexOf(specials[k]);
            if (i >= 0 && policy.disallows(specials[k])) {
                throw new DisallowedSpecialTokenException(specials[k], i);
            }
            if (policy.allows(specials[k])) {
                next[k] = i;
            }
        }
        int from = 0;
        while (true) {
            int best = -1;
            for (int k = 0; k < specials.length; k++) {
                if (next[k] >= 0 && next[k] < from) {
                    next[k] = text.indexOf(specials[k], from);
                }
                if (next[k] >= 0 && (best < 0 || next[k] < next[best])) {
                    best = k;
                }
            }
            int at = best < 0 ? text.length() : next[best];
            encodeOrdinary(text, from, at, s);
            if (best < 0) {
                return s.out.toArray();
            }
            s.out.add(model.specialTokens().get(specials[best]));
            from = at + specials[best].length();
        }
    }

    private void encodeOrdinary(String text, int from, int to, Scratch s) {
        Gpt2PreTokenizer.split(text, from, to, (start, end) -> encodePiece(text, start, end, s));
    }

    private void encodePiece(CharSequence text, int start, int end, Scratch s) {
        int len = Utf8.encode(text, start, end, s);
        byte[] bytes = s.bytes;
        if (len == 1) {
            s.out.add(byteToken[bytes[0] & 0xFF]);
            return;
        }
        if (wholePieces != null) {
            int whole = wholePieces.find(bytes, 0, len);
            if (whole >= 0) {
                s.out.add(wholePieceIds[whole]);
                return;
            }
        }
        int[] cached = s.cache.get(bytes, 0, len);
        if (cached == null) {
            cached = mergePiece(bytes, len, s);
            if (s.cache.size() >= CACHE_LIMIT) {
                s.cache.clear();
            }
            s.cache.put(bytes, 0, len, cached);
        }
        s.out.addAll(cached);
    }

    /** Applies the highest-priority merge until none applies; ties go to the leftmost pair. */
    private int[] mergePiece(byte[] bytes, int len, Scratch s) {
        int[] ids = s.ids(len);
        int[] pairRank = s.pairRanks(len);
        for (int i = 0; i < len; i++) {
            ids[i] = byteToken[bytes[i] & 0xFF];
        }
        for (int i = 0; i + 1 < len; i++) {
            pairRank[i] = ranks.rank(ids[i], ids[i + 1]);
        }
        int n = len;
        while (n > 1) {
            int best = PairRanks.NONE;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                if (pairRank[i] < best) {
                    best = pairRank[i];
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            ids[at] = ranks.result(best);
            System.arraycopy(ids, at + 2, ids, at + 1, n - at - 2);
            System.arraycopy(pairRank, at + 2, pairRank, at + 1, Math.max(0, n - at - 3));
            n--;
            if (at > 0) {
                pairRank[at - 1] = ranks.rank(ids[at - 1], ids[at]);
            }
            if (at + 1 < n) {
                pairRank[at] = ranks.rank(ids[at], ids[at + 1]);
            }
        }
        return n == 0 ? EMPTY : Arrays.copyOf(ids, n);
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        int total = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= tokenBytes.length) {
                throw new TokenOutOfRangeException(i, ids[i], tokenBytes.length);
            }
            total += tokenBytes[ids[i]].length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (int id : ids) {
            byte[] b = tokenBytes[id];
            System.arraycopy(b, 0, out, at, b.length);
            at += b.length;
        }
        return out;
    }

    /** Per-thread buffers, so encoding allocates little beyond its result. */
    static final class Scratch {
        byte[] bytes = new byte[256];
        private int[] ids = new int[256];
        private int[] pairRanks = new int[256];
        final IntList out = new IntList();
        final ByteSliceMap<int[]> cache = new ByteSliceMap<>(1024);

        int[] ids(int n) {
            if (ids.length < n) {
                ids = new int[n];
            }
            return ids;
        }

        int[] pairRanks(int n) {
            if (pairRanks.length < n) {
                pairRanks = new int[n];
            }
            return pairRanks;
        }
    }
}
