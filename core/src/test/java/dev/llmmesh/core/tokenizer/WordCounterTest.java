package dev.llmmesh.core.tokenizer;

import org.junit.jupiter.api.Test;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WordCounterTest {
    private static final List<String> SPECIALS = List.of("<|endoftext|>", "word <sep>", "<sep>");

    @Test
    void countsGpt2PiecesBetweenSpecialTokens() {
        var counter = new WordCounter(SPECIALS);
        counter.add("it's a cat<|endoftext|> a cat<sep>  cats\n\n");

        assertEquals(Map.of("it", 1L, "'s", 1L, "Ġa", 2L, "Ġcat", 2L, "Ġ", 1L, "Ġcats", 1L, "ĊĊ", 1L), counts(counter));
    }

    @Test
    void aSpecialStartingEarlierWinsOverOneInsideIt() {
        var counter = new WordCounter(SPECIALS);
        counter.add("a word <sep>b");

        assertEquals(Map.of("a", 1L, "Ġ", 1L, "b", 1L), counts(counter));
    }

    @Test
    void readingInSmallChunksCountsLikeTheWholeText() throws IOException {
        String text = (Corpus.mobyDick(20_000) + "word <sep>\n  x<|endoftext|>日本語 🎉🎉\u00a0\u3000x 12 345\n\n\n")
                .repeat(5);
        var whole = new WordCounter(SPECIALS);
        whole.add(text);
        var chunked = new WordCounter(SPECIALS, 40);
        int[] chunks = {0};
        chunked.add(new Trickle(new StringReader(text)), () -> chunks[0]++);

        assertEquals(counts(whole), counts(chunked));
        assertTrue(chunks[0] > 1000, "cut " + chunks[0] + " times");
    }

    @Test
    void textWithoutCutPointsIsCountedWhole() throws IOException {
        String text = "x".repeat(500) + "!".repeat(300);
        var chunked = new WordCounter(List.of(), 40);
        chunked.add(new Trickle(new StringReader(text)), () -> { });

        assertEquals(Map.of("x".repeat(500), 1L, "!".repeat(300), 1L), counts(chunked));
    }

    @Test
    void aLoneSurrogateCountsAsTheReplacementCharacter() {
        var counter = new WordCounter(List.of());
        counter.add("a\ud800");

        assertEquals(Map.of("a", 1L, ByteLevel.encode("\ufffd".getBytes(StandardCharsets.UTF_8)), 1L), counts(counter));
    }

    private static Map<String, Long> counts(WordCounter counter) {
        var out = new TreeMap<String, Long>();
        counter.words().forEach(w -> out.merge(ByteLevel.encode(w.bytes()), w.count(), Long::sum));
        return out;
    }

    /** Hands out a few chars per read, as a slow stream does, so that chunks end anywhere. */
    private static final class Trickle extends FilterReader {
        Trickle(Reader in) {
            super(in);
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            return super.read(buffer, offset, Math.min(length, 7));
        }
    }
}
