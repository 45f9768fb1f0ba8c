package dev.llmmesh.core.tokenizer;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Counts the pieces ("words") that BPE training works within: text is cut around special tokens, the
 * rest is split by {@link Gpt2PreTokenizer}, exactly as {@link BpeTokenizer} will split it when encoding.
 */
final class WordCounter {
    /** A distinct word as UTF-8 bytes and how often the corpus holds it. */
    record WordCount(byte[] bytes, long count) {
    }

    private static final int DEFAULT_CHUNK_CHARS = 1 << 20;
    private static final byte[] REPLACEMENT_CHARACTER = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    /** Leftmost special first, the longest of those starting there, as {@link BpeTokenizer#encode} finds them. */
    private final Pattern specials;
    private final List<String> specialTexts;
    private final int longestSpecial;
    private final int chunkChars;
    // Keyed by the piece's text, not its bytes: most pieces repeat, and this encodes each distinct one once.
    private final HashMap<String, long[]> counts = new HashMap<>();

    WordCounter(List<String> specialTokens) {
        this(specialTokens, DEFAULT_CHUNK_CHARS);
    }

    /** @param chunkChars how much of a {@link Reader} to split at once; small values let tests cut often */
    WordCounter(List<String> specialTokens, int chunkChars) {
        this.chunkChars = chunkChars;
        specialTexts = List.copyOf(specialTokens);
        specials = specialTexts.isEmpty() ? null : Pattern.compile(specialTexts.stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote)
                .collect(Collectors.joining("|")));
        longestSpecial = specialTexts.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Counts one document; no word spans two documents. */
    void add(String text) {
        if (specials == null) {
            countPieces(text, 0, text.length());
            return;
        }
        var m = specials.matcher(text);
        int from = 0;
        while (m.find()) {
            countPieces(text, from, m.start());
            from = m.end();
        }
        countPieces(text, from, text.length());
    }

    /**
     * Counts one document read in chunks (a megabyte by default), so a file never has to fit in one String.
     * The counts are those {@link #add(String)} would give for the whole text.
     *
     * @param afterChunk called after each chunk is counted, for progress
     */
    void add(Reader reader, Runnable afterChunk) throws IOException {
        var buffer = new StringBuilder();
        char[] read = new char[8192];
        int nextCutAttempt = chunkChars;
        int n;
        while ((n = reader.read(read)) >= 0) {
            buffer.append(read, 0, n);
            if (buffer.length() >= nextCutAttempt) {
                int cut = safeCut(buffer);
                if (cut > 0) {
                    add(buffer.substring(0, cut));
                    buffer.delete(0, cut);
                    afterChunk.run();
                    nextCutAttempt = chunkChars;
                } else {
                    // Text without a cut point (no spaces, no line breaks) just grows the chunk.
                    nextCutAttempt = buffer.length() * 2;
                }
            }
        }
        add(buffer.toString());
        afterChunk.run();
    }

    /**
     * The last index at which the text can be cut without changing any word or special token. A letter or
     * digit followed by a space or line break ends a GPT-2 piece whatever comes after, and GPT-2's pattern
     * never looks back, so the text after the cut splits on its own as it does in place. The cut keeps
     * clear of the end by the longest special, so that a special occurrence across it is seen and avoided.
     */
    private int safeCut(StringBuilder text) {
        for (int cut = text.length() - Math.max(1, longestSpecial); cut > 0; cut--) {
            char after = text.charAt(cut);
            if ((after == ' ' || after == '\n') && Character.isLetterOrDigit(text.charAt(cut - 1))
                    && !insideSpecial(text, cut)) {
                return cut;
            }
        }
        return -1;
    }

    private boolean insideSpecial(StringBuilder text, int cut) {
        for (String special : specialTexts) {
            int at = text.indexOf(special, Math.max(0, cut - special.length() + 1));
            if (at >= 0 && at < cut) {
                return true;
            }
        }
        return false;
    }

    private void countPieces(String text, int from, int to) {
        Gpt2PreTokenizer.split(text, from, to,
                (start, end) -> counts.computeIfAbsent(text.substring(start, end), k -> new long[1])[0]++);
    }

    /** The distinct words seen so far, in no particular order. */
    List<WordCount> words() {
        // A lone surrogate becomes U+FFFD, as BpeTokenizer encodes it.
        CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .replaceWith(REPLACEMENT_CHARACTER);
        var words = new ArrayList<WordCount>(counts.size());
        for (var e : counts.entrySet()) {
            words.add(new WordCount(encode(utf8, e.getKey()), e.getValue()[0]));
        }
        return words;
    }

    private static byte[] encode(CharsetEncoder utf8, String word) {
        try {
            ByteBuffer bytes = utf8.encode(CharBuffer.wrap(word));
            byte[] out = new byte[bytes.remaining()];
            bytes.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("UTF-8 encoding with replacement cannot fail", e);
        }
    }
}
