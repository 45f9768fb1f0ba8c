package dev.llmmesh.core.tokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where UTF-8 text can be cut into shards that encode independently: the tokens of the shards, joined,
 * equal the tokens of the whole text. That holds just before the last character of a whitespace run that
 * is followed by a visible character: GPT-2's pattern ends a piece there too ({@code \s+(?!\S)} gives the
 * last whitespace to the next word, and a lone whitespace character starts the next piece), so no
 * pre-token crosses the cut, and byte-level BPE merges stay within pre-tokens. Only ASCII whitespace is
 * used, which also keeps every cut on a character boundary.
 */
public final class ShardBoundaries {
    private static final int WINDOW = 64 * 1024;

    /** Reads {@code [from, to)} of the text's bytes. */
    @FunctionalInterface
    public interface ByteRanges {
        byte[] read(long from, long to) throws IOException;
    }

    /** A shard: bytes {@code [from, to)} of the text. */
    public record Range(long from, long to) {
    }

    private ShardBoundaries() {
    }

    /**
     * Cuts {@code size} bytes into shards of about {@code shardBytes}; each cut is moved forward to the next
     * safe position, so a text with none stays one shard.
     */
    public static List<Range> plan(long size, long shardBytes, ByteRanges text) throws IOException {
        if (shardBytes < 1) {
            throw new IllegalArgumentException("shardBytes must be positive, got " + shardBytes);
        }
        List<Range> shards = new ArrayList<>();
        long from = 0;
        while (from < size) {
            long cut = size - from <= shardBytes ? size : nextSafeCut(from + shardBytes, size, text);
            shards.add(new Range(from, cut));
            from = cut;
        }
        return shards;
    }

    private static long nextSafeCut(long target, long size, ByteRanges text) throws IOException {
        long pos = target;
        while (pos + 1 < size) {
            long end = Math.min(size, pos + WINDOW);
            byte[] w = text.read(pos, end);
            for (int i = 0; i + 1 < w.length; i++) {
                if (asciiWhitespace(w[i]) && visibleAscii(w[i + 1])) {
                    return pos + i;
                }
            }
            pos = end - 1;
        }
        return size;
    }

    private static boolean asciiWhitespace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    private static boolean visibleAscii(byte b) {
        return b > ' ' && b < 0x7F;
    }
}
