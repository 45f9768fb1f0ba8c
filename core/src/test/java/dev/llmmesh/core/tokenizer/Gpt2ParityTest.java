package dev.llmmesh.core.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/** Our GPT-2 encoding against jtokkit's r50k_base, a tiktoken port nobody on this team wrote. */
class Gpt2ParityTest {
    private static final Encoding R50K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    private static final BpeTokenizer GPT2 = Gpt2Vocabulary.gpt2();

    static List<Path> corpusFiles() {
        return Corpus.files();
    }

    @ParameterizedTest
    @MethodSource("corpusFiles")
    void wholeCorpusFileEncodesLikeTiktoken(Path file) {
        String text = Corpus.read(file);
        assertSameIds(R50K.encodeOrdinary(text).toArray(), GPT2.encodeOrdinary(text), text);
        assertEquals(text, GPT2.decode(GPT2.encodeOrdinary(text)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "  ", "\n", "\n\n\n", " \n ", "a  b", "a   \n\tb  ", "hello world", "Hello, World!!!",
        "I'm you're they've we'll she'd it's 'tis ''s 'S 'RE", "don't  'll'll'", "tab\tseparated\tvalues\t",
        "trailing spaces   ", "   leading", "\r\nwindows\r\nlines\r\n", "12345 67 8.9e10 ½ Ⅻ ٣",
        "日本語のテキスト、句読点。中文字符", "한국어 텍스트", "emoji 🎉🚀 👩‍👩‍👧‍👦 🇩🇪 ✔️",
        "combining: e\u0301 a\u0308 Z\u0335\u0321", "nbsp\u00a0here\u2003em\u3000ideo", "zero\u200bwidth",
        "mixed اللغة العربية and עברית", "math ∀x∈ℝ: x²≥0", "  \u00a0 \u00a0x", "\u000b\u000cvt-ff",
        "<|endoftext|> is plain here", "code: for (int i = 0; i < n; i++) { sum += a[i]; }",
        "\u001c\u001d\u001e\u001f info separators", "\u0085next line\u2028line sep"
    })
    void edgeCasesEncodeLikeTiktoken(String text) {
        assertSameIds(R50K.encodeOrdinary(text).toArray(), GPT2.encodeOrdinary(text), text);
        assertEquals(text, GPT2.decode(GPT2.encodeOrdinary(text)));
    }

    @Test
    void longWhitespaceAndRepetitionRunsEncodeLikeTiktoken() {
        String text = " ".repeat(5000) + "x" + "\n".repeat(300) + "a".repeat(4000) + "!?".repeat(700);
        assertSameIds(R50K.encodeOrdinary(text).toArray(), GPT2.encodeOrdinary(text), text);
    }

    @Test
    void loneSurrogatesBecomeReplacementCharactersAsInTiktoken() {
        String text = "bad \uD800 pair \uDC00x and good \uD83D\uDE00";
        String repaired = "bad \uFFFD pair \uFFFDx and good \uD83D\uDE00";
        assertArrayEquals(R50K.encodeOrdinary(repaired).toArray(), GPT2.encodeOrdinary(text));
        assertEquals(repaired, GPT2.decode(GPT2.encodeOrdinary(text)));
    }

    @Test
    void specialTokensFollowTiktokensAllowedAndDisallowedRules() {
        String text = "one<|endoftext|>two";
        var error = assertThrows(DisallowedSpecialTokenException.class, () -> GPT2.encode(text));
        assertEquals("<|endoftext|>", error.token());
        assertEquals(3, error.index());
        assertArrayEquals(new int[]{505, 50256, 11545}, GPT2.encode(text, SpecialTokenPolicy.ALLOW_ALL));
        assertArrayEquals(R50K.encodeOrdinary(text).toArray(), GPT2.encode(text, SpecialTokenPolicy.PLAIN_TEXT));
        var named = new SpecialTokenPolicy(Set.of("<|endoftext|>"), Set.of());
        assertArrayEquals(new int[]{50256, 50256}, GPT2.encode("<|endoftext|><|endoftext|>", named));
        assertEquals("one<|endoftext|>two", GPT2.decode(new int[]{505, 50256, 11545}));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabularyNamingThePosition() {
        var error = assertThrows(TokenOutOfRangeException.class, () -> GPT2.decode(new int[]{1, 2, 50257}));
        assertEquals(2, error.index());
        assertThrows(TokenOutOfRangeException.class, () -> GPT2.decode(new int[]{-1}));
    }

    @Test
    void decodeOfAPartialCharacterGivesReplacementNotAnException() {
        int[] ids = GPT2.encodeOrdinary("🎉");
        assertEquals(3, ids.length, "the emoji spans several byte-level tokens");
        assertEquals("\uFFFD", GPT2.decode(Arrays.copyOf(ids, 1)).substring(0, 1));
        assertArrayEquals(new byte[]{(byte) 0xF0, (byte) 0x9F, (byte) 0x8E, (byte) 0x89}, GPT2.decodeBytes(ids));
    }

    @Test
    void tiktokenRankFileGivesTheSameTokenizer() throws Exception {
        BpeModel fromTiktoken;
        try (InputStream in = Encoding.class.getResourceAsStream("/com/knuddels/jtokkit/r50k_base.tiktoken")) {
            fromTiktoken = Gpt2Vocabulary.fromTiktoken(in, Map.of("<|endoftext|>", 50256));
        }
        assertEquals(50257, fromTiktoken.vocabSize());
        for (int id = 0; id < 50257; id++) {
            assertArrayEquals(GPT2.model().tokens().get(id), fromTiktoken.tokens().get(id), "token " + id);
        }
        var tokenizer = new BpeTokenizer("r50k", fromTiktoken, true);
        String text = Corpus.mobyDick(200_000);
        assertSameIds(R50K.encodeOrdinary(text).toArray(), tokenizer.encodeOrdinary(text), text);
    }

    @Test
    void mergesAloneGiveTheSameIdsAsTheWholePieceShortcut() {
        var mergesOnly = new BpeTokenizer("gpt2-merges", GPT2.model(), false);
        String text = Corpus.mobyDick(300_000);
        assertSameIds(GPT2.encodeOrdinary(text), mergesOnly.encodeOrdinary(text), text);
    }

    @Test
    void vocabularyHasGpt2sShape() {
        assertEquals(50257, GPT2.vocabSize());
        assertEquals(Map.of("<|endoftext|>", 50256), GPT2.specialTokens());
        assertEquals(50000, GPT2.model().merges().size());
    }

    static void assertSameIds(int[] expected, int[] actual, String text) {
        if (Arrays.equals(expected, actual)) {
            return;
        }
        int i = Arrays.mismatch(expected, actual);
        int from = Math.max(0, i - 5);
        String got = Arrays.toString(Arrays.copyOfRange(actual, from, Math.min(actual.length, i + 5)));
        String want = Arrays.toString(Arrays.copyOfRange(expected, from, Math.min(expected.length, i + 5)));
        String around = i < expected.length ? GPT2.decode(Arrays.copyOfRange(expected, from, Math.min(expected.length, i + 5))) : "";
        fail("ids differ at " + i + " of " + expected.length + " (text of " + text.length() + " chars): expected "
                + want + " got " + got + " around " + around.replace("\n", "\\n"));
    }
}
