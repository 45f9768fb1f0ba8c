package dev.llmmesh.core.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTrainerTest {
    private static final String EOT = "<|endoftext|>";

    @Test
    void firstMergesOfATinyCorpusAreTheHandCountedOnes() {
        // Pieces: "hug" " hug" " pug" " pun" " bun". Counts: u g 3; then " p", "h ug", "u n" tie at 2 and
        // go by left id (' ' = 32 < 'h' < 'u'); after those every pair is seen once, below minFrequency 2.
        BpeModel model = train(List.of("hug hug pug pun bun"), 1000, 2, List.of());

        assertEquals(List.of("u+g", "Ġ+p", "h+ug", "u+n"), spelledMerges(model));
        assertEquals(List.of(new Merge('u', 'g', 256), new Merge(' ', 'p', 257), new Merge('h', 256, 258),
                new Merge('u', 'n', 259)), model.merges());
        assertEquals(260, model.vocabSize());
    }

    @Test
    void singleByteTokensAreTheByteValues() {
        BpeModel model = train(List.of("abc abc"), 300, 1, List.of(EOT));
        for (int b = 0; b < 256; b++) {
            assertArrayEquals(new byte[] {(byte) b}, model.tokens().get(b));
        }
    }

    @Test
    void incrementalCountsGiveTheSameMergesAsRecountingEverything() {
        List<String> docs = List.of(Corpus.mobyDick(40_000), "aaaa aaaaa aaa aa a bbbbbbbb " + "ab".repeat(9));

        BpeModel model = train(docs, 900, 2, List.of());

        assertEquals(new NaiveTrainer(docs, 900, 2).merges, model.merges());
    }

    @Test
    void randomSmallCorporaGiveTheSameMergesAsRecountingEverything() {
        // Few letters and long runs make overlapping pairs ("aaa"), ties and repeated neighbours common.
        var random = new Random(42);
        for (int trial = 0; trial < 400; trial++) {
            var doc = new StringBuilder();
            for (int word = random.nextInt(12); word >= 0; word--) {
                doc.append(random.nextInt(4) == 0 ? "  " : " ");
                for (int i = random.nextInt(16); i >= 0; i--) {
                    doc.append("aaabc".charAt(random.nextInt(5)));
                }
            }
            List<String> docs = List.of(doc.toString());
            int minFrequency = 1 + random.nextInt(2);
            BpeModel model = train(docs, 400, minFrequency, List.of());

            assertEquals(new NaiveTrainer(docs, 400, minFrequency).merges, model.merges(), docs::getFirst);
            assertDistinctTokens(model);
        }
    }

    @Test
    void vocabSizeIsHonoured() {
        BpeModel model = train(List.of(Corpus.mobyDick(100_000)), 1000, 1, List.of(EOT, "<|pad|>"));

        assertEquals(1000, model.vocabSize());
        assertEquals(1000 - 256 - 2, model.merges().size());
    }

    @Test
    void minFrequencyEndsTrainingEarly() {
        String text = Corpus.mobyDick(50_000);
        BpeModel all = train(List.of(text), 5000, 1, List.of(EOT));
        BpeModel frequent = train(List.of(text), 5000, 20, List.of(EOT));

        assertTrue(frequent.vocabSize() < all.vocabSize(),
                () -> frequent.vocabSize() + " should be below " + all.vocabSize());
        assertEquals(frequent.merges(), all.merges().subList(0, frequent.merges().size()),
                "the same run, stopped earlier");
        assertEquals(frequent.vocabSize() - 1, frequent.specialTokens().get(EOT));
    }

    @Test
    void specialTokensTakeTheLastIdsInOrderAndAreNeverLearned() {
        String doc = (Corpus.mobyDick(30_000) + EOT).repeat(3) + "<sep>x<sep>y" + EOT;
        BpeModel model = train(List.of(doc, doc), 800, 1, List.of(EOT, "<sep>"));

        assertEquals(Map.of(EOT, 798, "<sep>", 799), model.specialTokens());
        assertArrayEquals(EOT.getBytes(StandardCharsets.UTF_8), model.tokens().get(798));
        assertArrayEquals("<sep>".getBytes(StandardCharsets.UTF_8), model.tokens().get(799));
        for (Merge m : model.merges()) {
            assertTrue(m.left() < 798 && m.right() < 798 && m.result() < 798, m::toString);
        }
        for (byte[] token : model.tokens().subList(0, 798)) {
            String text = new String(token, StandardCharsets.UTF_8);
            assertFalse(text.contains("endoftext") || text.contains("sep>") || text.contains("|>"), text);
        }
    }

    @Test
    void sameInputGivesTheSameModel() {
        List<String> docs = List.of(Corpus.mobyDick(200_000), "日本語のテキスト 🎉🎉🎉 " + EOT + " naïve café");
        BpeModel first = train(docs, 2000, 2, List.of(EOT));
        BpeModel second = train(new ArrayList<>(docs), 2000, 2, List.of(EOT));

        assertSameModel(first, second);
    }

    @Test
    void aFileTrainsLikeItsTextAsOneDocument(@TempDir Path dir) throws IOException {
        // Longer than a chunk, so the streamed count must cut it and still agree.
        String text = Corpus.mobyDick(2_000_000) + EOT + Corpus.read(Corpus.DIR.resolve("austen/emma.txt"));
        Path file = Files.writeString(dir.resolve("corpus.txt"), text);
        var config = new BpeTrainerConfig(3000, 2, List.of(EOT));

        assertSameModel(new BpeTrainer(config).train(List.of(text)), new BpeTrainer(config).trainFiles(List.of(file)));
    }

    @Test
    void invalidUtf8InAFileIsReportedWithItsName(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("bad.txt"), new byte[] {'o', 'k', (byte) 0xC3, '('});
        var trainer = new BpeTrainer(new BpeTrainerConfig(300, 1, List.of()));

        var e = assertThrows(IOException.class, () -> trainer.trainFiles(List.of(file)));
        assertTrue(e.getMessage().contains("bad.txt") && e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void progressReportsBothStagesAndEndsAtTheLearnedCount() {
        var stages = new ArrayList<String>();
        var last = new HashMap<String, long[]>();
        var config = new BpeTrainerConfig(600, 1, List.of(EOT));
        new BpeTrainer(config, (done, total, stage) -> {
            if (stages.isEmpty() || !stages.getLast().equals(stage)) {
                stages.add(stage);
            }
            last.put(stage, new long[] {done, total});
        }).train(List.of(Corpus.mobyDick(50_000)));

        assertEquals(List.of("counting words", "merging"), stages);
        assertArrayEquals(new long[] {600 - 256 - 1, 600 - 256 - 1}, last.get("merging"));
        assertArrayEquals(new long[] {50_000, 50_000}, last.get("counting words"));
    }

    @Test
    void configRejectsWhatCannotBeTrained() {
        var tooSmall = assertThrows(IllegalArgumentException.class,
                () -> new BpeTrainerConfig(256, 1, List.of(EOT)));
        assertTrue(tooSmall.getMessage().contains("at least 257"), tooSmall.getMessage());
        var minFrequency = assertThrows(IllegalArgumentException.class, () -> new BpeTrainerConfig(300, 0, List.of()));
        assertTrue(minFrequency.getMessage().contains("minFrequency"), minFrequency.getMessage());
        var twice = assertThrows(IllegalArgumentException.class, () -> new BpeTrainerConfig(300, 1, List.of(EOT, EOT)));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainerConfig(300, 1, List.of("")));
        assertEquals(List.of(EOT), new BpeTrainerConfig(257, 1, List.of(EOT)).specialTokens());
    }

    @Test
    @Timeout(60)
    void learns16kTokensFromTheWholeCorpus() throws IOException {
        long start = System.nanoTime();
        BpeModel model = new BpeTrainer(new BpeTrainerConfig(16_000, 2, List.of(EOT))).trainFiles(Corpus.files());
        System.out.printf("trained 16k vocab on %d files in %.2f s%n", Corpus.files().size(),
                (System.nanoTime() - start) / 1e9);

        assertEquals(16_000, model.vocabSize());
        assertEquals(15_999, model.specialTokens().get(EOT));
        assertDistinctTokens(model);
        var tokenizer = new BpeTokenizer("corpus-16k", model);
        String text = Corpus.read(Corpus.DIR.resolve("austen/persuasion.txt"));
        int[] ids = tokenizer.encodeOrdinary(text);
        assertEquals(text, tokenizer.decode(ids));
        assertNotEquals(0, ids.length);
        assertTrue(ids.length < text.length() / 3, "a 16k vocabulary trained on this text compresses it well");
    }

    static BpeModel train(List<String> docs, int vocabSize, int minFrequency, List<String> specials) {
        return new BpeTrainer(new BpeTrainerConfig(vocabSize, minFrequency, specials)).train(docs);
    }

    static void assertSameModel(BpeModel expected, BpeModel actual) {
        assertEquals(expected.vocabSize(), actual.vocabSize());
        for (int id = 0; id < expected.vocabSize(); id++) {
            assertArrayEquals(expected.tokens().get(id), actual.tokens().get(id), "token " + id);
        }
        assertEquals(expected.merges(), actual.merges());
        assertEquals(expected.specialTokens(), actual.specialTokens());
    }

    /** tokenizer.json maps spellings to ids, so two tokens with the same bytes could not be saved. */
    private static void assertDistinctTokens(BpeModel model) {
        Set<String> spellings = new HashSet<>();
        for (byte[] token : model.tokens()) {
            assertTrue(spellings.add(ByteLevel.encode(token)), () -> ByteLevel.encode(token) + " twice");
        }
    }

    private static List<String> spelledMerges(BpeModel model) {
        return model.merges().stream()
                .map(m -> spelling(model, m.left()) + "+" + spelling(model, m.right()))
                .toList();
    }

    private static String spelling(BpeModel model, int id) {
        return ByteLevel.encode(model.tokens().get(id));
    }

    /** The training rule done the slow, obvious way: recount every pair before every merge. */
    private static final class NaiveTrainer {
        final List<Merge> merges = new ArrayList<>();

        NaiveTrainer(List<String> docs, int vocabSize, long minFrequency) {
            var counter = new WordCounter(List.of());
            docs.forEach(counter::add);
            List<int[]> words = new ArrayList<>();
            List<Long> counts = new ArrayList<>();
            for (var w : counter.words()) {
                int[] s = new int[w.bytes().length];
                for (int i = 0; i < s.length; i++) {
                    s[i] = w.bytes()[i] & 0xFF;
                }
                words.add(s);
                counts.add(w.count());
            }
            List<byte[]> tokens = new ArrayList<>();
            for (int b = 0; b < 256; b++) {
                tokens.add(new byte[] {(byte) b});
            }
            while (tokens.size() < vocabSize) {
                Map<Long, Long> pairs = new HashMap<>();
                for (int w = 0; w < words.size(); w++) {
                    int[] s = words.get(w);
                    for (int i = 0; i + 1 < s.length; i++) {
                        pairs.merge((long) s[i] << 32 | s[i + 1], counts.get(w), Long::sum);
                    }
                }
                long best = -1;
                long bestCount = 0;
                for (var e : pairs.entrySet()) {
                    if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < best)) {
                        best = e.getKey();
                        bestCount = e.getValue();
                    }
                }
                if (bestCount < minFrequency) {
                    break;
                }
                int a = (int) (best >>> 32);
                int b = (int) best;
                byte[] bytes = new byte[tokens.get(a).length + tokens.get(b).length];
                System.arraycopy(tokens.get(a), 0, bytes, 0, tokens.get(a).length);
                System.arraycopy(tokens.get(b), 0, bytes, tokens.get(a).length, tokens.get(b).length);
                int id = tokens.size();
                tokens.add(bytes);
                merges.add(new Merge(a, b, id));
                for (int w = 0; w < words.size(); w++) {
                    words.set(w, mergeAll(words.get(w), a, b, id));
                }
            }
        }

        private static int[] mergeAll(int[] s, int a, int b, int id) {
            int[] out = new int[s.length];
            int n = 0;
            for (int i = 0; i < s.length; i++) {
                if (i + 1 < s.length && s[i] == a && s[i + 1] == b) {
                    out[n++] = id;
                    i++;
                } else {
                    out[n++] = s[i];
                }
            }
            return Arrays.copyOf(out, n);
        }
    }
}
