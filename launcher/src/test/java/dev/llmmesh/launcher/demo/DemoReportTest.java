package dev.llmmesh.launcher.demo;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoReportTest {
    private static final Corpus.Dataset BOOK = new Corpus.Dataset("book", 1_000, 900);
    private static final DemoReport.Row GPT2 = new DemoReport.Row("gpt2", 50257, new int[] {1, 2}, List.of("Hi", "\n"), 250);
    private static final DemoReport.Row OURS = new DemoReport.Row("ours", 4096, new int[] {3}, List.of("Hi\n"), 300);

    @Test
    void compressionIsCharsAndBytesPerToken() {
        List<String> lines = DemoReport.compression(BOOK, List.of(GPT2, OURS));
        assertEquals("Whole dataset 'book': 1,000 bytes, 900 chars", lines.getFirst());
        assertTrue(lines.get(2).matches("\\s+gpt2\\s+50257\\s+250\\s+3\\.60\\s+4\\.00"), lines.get(2));
        assertTrue(lines.get(3).matches("\\s+ours\\s+4096\\s+300\\s+3\\.00\\s+3\\.33"), lines.get(3));
    }

    @Test
    void versusSaysMoreOrFewer() {
        assertEquals("ours needs 20.0% more tokens than gpt2 on this book, with a vocabulary 12x smaller",
                DemoReport.versus(OURS, GPT2));
        var smaller = new DemoReport.Row("ours", 4096, new int[0], List.of(), 200);
        assertTrue(DemoReport.versus(smaller, GPT2).startsWith("ours needs 20.0% fewer tokens"));
    }

    @Test
    void samplePiecesShowNewlines() {
        List<String> lines = DemoReport.sample("Hi\n", List.of(GPT2));
        assertTrue(lines.get(2).endsWith("2 tokens: Hi|\\n"), lines.get(2));
        assertTrue(lines.get(3).endsWith("ids: 1 2"), lines.get(3));
    }

    @Test
    void noTokensIsNoDivisionByZero() {
        assertEquals(0, DemoReport.ratio(10, 0));
    }
}
