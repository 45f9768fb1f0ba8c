package dev.llmmesh.core.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tokenizer.json we write, loaded by HuggingFace's own tokenizers library (through DJL), must encode
 * exactly as {@link BpeTokenizer} encodes our model: that is what users' tools will see.
 */
class HuggingFaceParityTest {
    private static final String EOT = "<|endoftext|>";
    private static final int TRAINING_CHARS = 300_000;

    private static BpeTokenizer ours;
    private static HuggingFaceTokenizer theirs;
    private static BpeTokenizer gpt2;
    private static HuggingFaceTokenizer gpt2Theirs;

    @BeforeAll
    static void writeAndLoad(@TempDir Path dir) throws IOException {
        BpeModel trained = BpeTrainerTest.train(List.of(Corpus.mobyDick(TRAINING_CHARS)), 1000, 2, List.of(EOT));
        ours = new BpeTokenizer("moby-1k", trained);
        theirs = writeAndLoad(trained, dir.resolve("moby-1k.json"));
        // GPT-2 itself: 50k tokens and merges whose results are not simply 256 + rank.
        gpt2 = new BpeTokenizer("gpt2", Gpt2Vocabulary.gpt2().model());
        gpt2Theirs = writeAndLoad(gpt2.model(), dir.resolve("gpt2.json"));
    }

    private static HuggingFaceTokenizer writeAndLoad(BpeModel model, Path file) throws IOException {
        HuggingFaceTokenizerJson.write(model, file);
        // DJL truncates to 512 tokens unless told not to.
        return HuggingFaceTokenizer.newInstance(file,
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    }

    @AfterAll
    static void close() {
        theirs.close();
        gpt2Theirs.close();
    }

    static Stream<String> texts() {
        String moby = Corpus.mobyDick(Integer.MAX_VALUE);
        var paragraphs = Arrays.stream(moby.substring(TRAINING_CHARS).split("\n\n")).limit(300);
        var edgeCases = Stream.of(
                "", " ", "  ", "\n", "\n\n\n", " \n ", "a  b", "a   \n\tb  ", "Hello, World!!!",
                "I'm you're they've we'll she'd it's 'tis ''s 'S 'RE", "don't  'll'll'", "trailing spaces   ",
                "   leading", "\r\nwindows\r\nlines\r\n", "12345 67 8.9e10 ½ Ⅻ ٣", "日本語のテキスト、句読点。中文字符",
                "한국어 텍스트", "emoji 🎉🚀 👩‍👩‍👧‍👦 🇩🇪 ✔️", "combining: e\u0301 a\u0308 Z\u0335\u0321",
                "nbsp\u00a0here\u2003em\u3000ideo", "zero\u200bwidth", "mixed اللغة العربية and עברית",
                "math ∀x∈ℝ: x²≥0", "  \u00a0 \u00a0x", "\u000b\u000cvt-ff", "\u0085next line\u2028line sep",
                "\u001c\u001d\u001e\u001f info separators", "\t\t\tindented\n    four spaces",
                " ".repeat(300) + "x" + "\n".repeat(40) + "a".repeat(500) + "!?".repeat(70),
                "code: for (int i = 0; i < n; i++) { sum += a[i]; }");
        return Stream.concat(edgeCases, paragraphs);
    }

    static Stream<String> withSpecialTokens() {
        return Stream.of(EOT, "end" + EOT + "start", "a " + EOT + " b", EOT + EOT, "\n" + EOT + "\n\n",
                "<|endoftext|", "<|endoftext|>>", "<<|endoftext|>");
    }

    @ParameterizedTest
    @MethodSource("texts")
    void trainedModelEncodesLikeHuggingFace(String text) {
        assertSameIds(ours, theirs, text);
    }

    @ParameterizedTest
    @MethodSource("texts")
    void gpt2EncodesLikeHuggingFace(String text) {
        assertSameIds(gpt2, gpt2Theirs, text);
    }

    /** HuggingFace always turns special token text into the special token: our {@code ALLOW_ALL}. */
    @ParameterizedTest
    @MethodSource("withSpecialTokens")
    void specialTokenTextBecomesTheSpecialTokenAsInHuggingFace(String text) {
        assertSameIds(ours, theirs, text);
        assertSameIds(gpt2, gpt2Theirs, text);
    }

    /** Every paragraph of the corpus; whole files take HuggingFace far longer for no more coverage. */
    @Test
    void theWholeCorpusEncodesLikeHuggingFace() {
        for (Path file : Corpus.files()) {
            for (String paragraph : Corpus.read(file).split("(?<=\n\n)")) {
                assertSameIds(ours, theirs, paragraph);
            }
        }
    }

    private static void assertSameIds(BpeTokenizer ours, HuggingFaceTokenizer theirs, String text) {
        long[] expected = theirs.encode(text).getIds();
        int[] actual = ours.encode(text, SpecialTokenPolicy.ALLOW_ALL);
        assertArrayEquals(expected, Arrays.stream(actual).asLongStream().toArray(),
                () -> "ids differ for " + abbreviate(text));
        assertEquals(text, theirs.decode(expected, false), () -> "HuggingFace decode of " + abbreviate(text));
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? '"' + text + '"'
                : '"' + text.substring(0, 200) + "\"... (" + text.length() + " chars)";
    }
}
