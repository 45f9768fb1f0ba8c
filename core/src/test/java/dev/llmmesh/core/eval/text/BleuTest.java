package dev.llmmesh.core.eval.text;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * BLEU against published values: sacreBLEU's own test cases (mjpost/sacrebleu test/test_bleu.py and
 * test/test_sentence_bleu.py), Papineni et al. 2002's worked examples, and NLTK's BLEU where its settings match
 * (numbers printed by src/test/resources/dev/llmmesh/core/eval/text/make_nltk_bleu_expected.py).
 */
class BleuTest {
    // sacreBLEU's README example; sacrebleu test/test_bleu.py `_hyps` and `_refs` (two reference streams).
    private static final List<String> HYPS = List.of(
            "The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");
    private static final List<List<String>> REFS = List.of(
            List.of("The dog bit the man.", "The dog had bit the man."),
            List.of("It was not unexpected.", "No one was surprised."),
            List.of("The man bit him first.", "The man had bitten the dog."));

    /** sacrebleu test/test_bleu.py uses EPSILON = 1e-8 on these. */
    private static final double EPS = 1e-8;

    @Test
    void corpusBleuOfTheReadmeExample() {
        BleuScore s = Bleu.corpus(HYPS, REFS, BleuOptions.DEFAULT);
        assertEquals(48.530827, s.score(), EPS);    // test_corpus_bleu_cases: default settings
        assertEquals(48.530827, Bleu.corpus(HYPS, REFS, options(Smoothing.NONE, null, false)).score(), EPS);
        assertEquals("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.x", s.signature());
        // test_max_ngram_order: order 4 prints as "48.53"
        assertEquals("48.53", String.format(Locale.ROOT, "%.2f", s.score()));
        // sacreBLEU's own summary of this corpus (printed by its BLEUScore; make_sacrebleu_parity.py's setup)
        assertEquals("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18) "
                + s.signature(), s.toString());
        assertEquals(s, Bleu.corpus(HYPS, REFS, BleuOptions.DEFAULT));
    }

    @Test
    void emptyHypothesesScoreZeroAndAreNotDropped() {
        BleuScore s = Bleu.corpus(List.of("", "", ""), REFS, BleuOptions.DEFAULT);  // test_corpus_bleu_cases
        assertEquals(0.0, s.score());
        assertEquals(0, s.hypothesisLength());
        assertEquals(0.0, s.brevityPenalty());
    }

    /**
     * test_raw_bleu_cases, test_effective_order and test_offset use raw_corpus_bleu: no tokenization, floor
     * smoothing (0.01 unless said), effective order. 13a leaves these inputs as they are, so they hold here.
     */
    @Test
    void rawCorpusBleuCases() {
        BleuOptions raw = new BleuOptions(Smoothing.FLOOR, 0.01, false, true);
        assertEquals(0.0, Bleu.corpus(List.of("this is a test", "another test"),
                List.of(List.of("ref1"), List.of("ref2")), raw).score() / 100, EPS);
        assertEquals(1.0, Bleu.sentence("this is a test", List.of("this is a test"), raw).score() / 100, EPS);
        assertEquals(0.223606797749979,
                Bleu.sentence("this is a fest", List.of("this is a test"), raw).score() / 100, EPS);

        assertEquals(0.3678794411714425, Bleu.sentence("test", List.of("a test"), raw).score() / 100, EPS);
        assertEquals(1.0, Bleu.sentence("a test", List.of("a test"), raw).score() / 100, EPS);
        assertEquals(0.03218297948685433, Bleu.sentence("a little test", List.of("a test"), raw).score() / 100, EPS);

        String hyp = "am I am a character sequence";
        List<String> ref = List.of("I am a symbol string sequence a a");
        assertEquals(0.0, Bleu.sentence(hyp, ref, new BleuOptions(Smoothing.FLOOR, 0.0, false, true)).score(), EPS);
        BleuScore offset = Bleu.sentence(hyp, ref, new BleuOptions(Smoothing.FLOOR, null, false, true));
        assertEquals(0.1555722182, offset.score() / 100, EPS);
        // test_statistics: matches [4, 2, 1, 0] of totals [6, 5, 4, 3]; the unmatched 4-grams count 0.1
        assertArrayEquals(new double[] {100.0 * 4 / 6, 100.0 * 2 / 5, 100.0 * 1 / 4, 100.0 * 0.1 / 3},
                offset.precisions(), 1e-12);
    }

    @Test
    void scoreFromStatistics() {
        // test_case_scoring: compute_bleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11) with its default smoothing 'none'
        BleuScore s = Bleu.score(new double[] {9, 7, 5, 3}, new double[] {10, 8, 6, 4}, 11, 11,
                options(Smoothing.NONE, null, false), "");
        assertEquals(0.8375922397, s.score() / 100, EPS);
        // test_case_degenerate_stats: floor smoothing with these offsets scores exactly 0
        assertEquals(0.0, degenerate(new double[] {0, 0, 0, 0}, new double[] {4, 4, 2, 1}, 0, 1, 0.0));
        assertEquals(0.0, degenerate(new double[] {0, 0, 0, 0}, new double[] {10, 11, 12, 0}, 14, 10, 0.0));
        assertEquals(0.0, degenerate(new double[] {0, 0, 0, 0}, new double[] {0, 0, 0, 0}, 0, 0, 0.0));
        assertEquals(0.0, degenerate(new double[] {6, 5, 4, 0}, new double[] {6, 5, 4, 3}, 6, 6, 0.0));
        assertEquals(0.0, degenerate(new double[] {0, 0, 0, 0}, new double[] {0, 0, 0, 0}, 0, 0, 0.1));
        assertEquals(0.0, degenerate(new double[] {0, 0, 0, 0}, new double[] {0, 0, 0, 0}, 1, 5, 0.01));
    }

    private static double degenerate(double[] correct, double[] total, int hyp, int ref, double offset) {
        return Bleu.score(correct, total, hyp, ref, options(Smoothing.FLOOR, offset, false), "").score();
    }

    /** test_sentence_bleu.py: sentence BLEU with effective order, 13a, against one reference (issue #98). */
    @Test
    void sentenceBleuSmoothingMethods() {
        String ref = "producţia de zahăr brut se exprimă în zahăr alb;";
        String sys = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";
        double eps = 1e-3;   // the test's EPSILON
        assertEquals(8.493, sentence(sys, ref, Smoothing.EXP, null), eps);
        assertEquals(0.0, sentence(sys, ref, Smoothing.NONE, null), eps);
        assertEquals(4.51688, sentence(sys, ref, Smoothing.FLOOR, null), eps);
        assertEquals(4.51688, sentence(sys, ref, Smoothing.FLOOR, 0.1), eps);
        assertEquals(10.10, sentence(sys, ref, Smoothing.FLOOR, 0.5), eps);
        assertEquals(14.882, sentence(sys, ref, Smoothing.ADD_K, null), eps);
        assertEquals(14.882, sentence(sys, ref, Smoothing.ADD_K, 1.0), eps);
        assertEquals(21.389, sentence(sys, ref, Smoothing.ADD_K, 2.0), eps);
        assertEquals(8.493, Bleu.sentence(sys, List.of(ref), BleuOptions.SENTENCE).score(), eps);

        // test_cases_zero_bleu (issue #141): no match at all is 0 whatever the smoothing
        for (Smoothing smoothing : Smoothing.values()) {
            assertEquals(0.0, sentence("this is a cat", "okay thanks", smoothing, null), "smoothing " + smoothing);
        }
    }

    private static double sentence(String sys, String ref, Smoothing smoothing, Double value) {
        return Bleu.sentence(sys, List.of(ref), new BleuOptions(smoothing, value, false, true)).score();
    }

    /** Papineni et al. 2002, section 2.1: "the the the the the the the" has modified unigram precision 2/7. */
    @Test
    void papineniModifiedUnigramPrecision() {
        List<String> refs = List.of("The cat is on the mat.", "There is a cat on the mat.");
        BleuScore lc = Bleu.sentence("the the the the the the the", refs, options(Smoothing.NONE, null, true));
        assertEquals(100.0 * 2 / 7, lc.precisions()[0], 1e-12);
        BleuScore mixed = Bleu.sentence("the the the the the the the", refs, options(Smoothing.NONE, null, false));
        assertEquals(100.0 * 1 / 7, mixed.precisions()[0], 1e-12, "case-sensitive, 'The' is another word");
        assertEquals("nrefs:2|case:lc|eff:no|tok:13a|smooth:none|version:2.4.x", lc.signature());
    }

    // Papineni et al. 2002, section 2.1, example 2 (lowercased and without the final period, as the paper counts).
    private static final List<String> PAPINENI_REFS = List.of(
            "It is a guide to action that ensures that the military will forever heed Party commands",
            "It is the guiding principle which guarantees the military forces always being under the command of "
                    + "the Party",
            "It is the practical guide for the army always to heed the directions of the party");
    private static final String CANDIDATE_1 =
            "It is a guide to action which ensures that the military always obeys the commands of the party";
    private static final String CANDIDATE_2 =
            "It is to insure the troops forever hearing the activity guidebook that party direct";

    @Test
    void papineniTwoCandidates() {
        BleuOptions lc = options(Smoothing.NONE, null, true);
        double[] p1 = Bleu.sentence(CANDIDATE_1, PAPINENI_REFS, lc).precisions();
        double[] p2 = Bleu.sentence(CANDIDATE_2, PAPINENI_REFS, lc).precisions();
        assertEquals(100.0 * 17 / 18, p1[0], 1e-12);    // "modified unigram precision of 17/18"
        assertEquals(100.0 * 10 / 17, p1[1], 1e-12);    // "modified bigram precision of 10/17"
        assertEquals(100.0 * 8 / 14, p2[0], 1e-12);     // "8/14"
        assertEquals(100.0 * 1 / 13, p2[1], 1e-12);     // "1/13"
    }

    /** NLTK corpus_bleu on the same tokens: method0/1/2/3 are sacreBLEU's none/floor/add-k/exp. */
    @Test
    void agreesWithNltk() {
        List<String> hyps = List.of("The dog bit the man .", "It wasn't surprising .", "The man had just bitten him .");
        List<List<String>> refs = List.of(
                List.of("The dog bit the man .", "The dog had bit the man ."),
                List.of("It was not unexpected .", "No one was surprised ."),
                List.of("The man bit him first .", "The man had bitten the dog ."));
        double eps = 1e-9;
        assertEquals(48.53082700992989, Bleu.corpus(hyps, refs, options(Smoothing.NONE, null, false)).score(), eps);
        assertEquals(48.53082700992989, Bleu.corpus(hyps, refs, options(Smoothing.FLOOR, null, false)).score(), eps);
        assertEquals(52.70109002482467, Bleu.corpus(hyps, refs, options(Smoothing.ADD_K, null, false)).score(), eps);
        assertEquals(48.53082700992989, Bleu.corpus(hyps, refs, options(Smoothing.EXP, null, false)).score(), eps);

        assertEquals(50.456668400584846, nltkCase(CANDIDATE_1, Smoothing.NONE), eps);
        assertEquals(50.456668400584846, nltkCase(CANDIDATE_1, Smoothing.FLOOR), eps);
        assertEquals(53.9755306744061, nltkCase(CANDIDATE_1, Smoothing.ADD_K), eps);
        assertEquals(50.456668400584846, nltkCase(CANDIDATE_1, Smoothing.EXP), eps);
        assertEquals(5.92086005993801e-153, nltkCase(CANDIDATE_2, Smoothing.NONE), eps);  // NLTK's "0": no trigram
        assertEquals(3.7031311911214915, nltkCase(CANDIDATE_2, Smoothing.FLOOR), eps);
        assertEquals(13.111209575157432, nltkCase(CANDIDATE_2, Smoothing.ADD_K), eps);
        assertEquals(6.963003305718092, nltkCase(CANDIDATE_2, Smoothing.EXP), eps);
    }

    private static double nltkCase(String candidate, Smoothing smoothing) {
        return Bleu.sentence(candidate, PAPINENI_REFS, options(smoothing, null, true)).score();
    }

    @Test
    void closestReferenceLengthPrefersTheShorterOnATie() {
        BleuScore s = Bleu.sentence("a b c d e", List.of("a b c d e f", "a b c d"), BleuOptions.DEFAULT);
        assertEquals(4, s.referenceLength());
        assertEquals(5, s.hypothesisLength());
        assertEquals(1.0, s.brevityPenalty());
        assertEquals(1.25, s.ratio(), 1e-12);
        BleuScore shorter = Bleu.sentence("a b c", List.of("a b c d e f"), BleuOptions.DEFAULT);
        assertEquals(Math.exp(1 - 6.0 / 3), shorter.brevityPenalty(), 1e-15);
    }

    @Test
    void clippingTakesTheMostTimesAnNgramOccursInAnyOneReference() {
        // "a" occurs twice in the first reference, three times in the second: up to 3 of the hypothesis' 4 count.
        BleuScore s = Bleu.sentence("a a a a", List.of("a a b", "a a a c"), options(Smoothing.NONE, null, false));
        assertEquals(100.0 * 3 / 4, s.precisions()[0], 1e-12);
        assertEquals(100.0 * 2 / 3, s.precisions()[1], 1e-12);
    }

    @Test
    void signaturesNameTheSmoothingValueAndVariableReferenceCounts() {
        BleuScore var = Bleu.corpus(List.of("a b", "c d"), List.of(List.of("a b"), List.of("c d", "c e")),
                new BleuOptions(Smoothing.FLOOR, null, false, true));
        assertEquals("nrefs:var|case:mixed|eff:yes|tok:13a|smooth:floor[0.10]|version:2.4.x", var.signature());
        assertEquals("nrefs:1|case:mixed|eff:no|tok:13a|smooth:add-k[1.00]|version:2.4.x",
                Bleu.sentence("a", List.of("a"), options(Smoothing.ADD_K, null, false)).signature());
        assertEquals("nrefs:1|case:mixed|eff:no|tok:13a|smooth:floor[0.12]|version:2.4.x",
                Bleu.sentence("a", List.of("a"), options(Smoothing.FLOOR, 0.125, false)).signature(),
                "Python's .2f rounds the exact binary value half to even");
    }

    @Test
    void badInputIsRefusedClearly() {
        assertThrows(IllegalArgumentException.class, () -> Bleu.corpus(List.of(), List.of(), BleuOptions.DEFAULT));
        assertThrows(IllegalArgumentException.class,
                () -> Bleu.corpus(List.of("a", "b"), List.of(List.of("a")), BleuOptions.DEFAULT));
        assertThrows(IllegalArgumentException.class,
                () -> Bleu.corpus(List.of("a"), List.of(List.of()), BleuOptions.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> new BleuOptions(Smoothing.EXP, 0.5, false, false));
        assertThrows(IllegalArgumentException.class, () -> Smoothing.fromWireName("add-one"));
        assertEquals(Smoothing.ADD_K, Smoothing.fromWireName("add-k"));
    }

    private static BleuOptions options(Smoothing smoothing, Double value, boolean lowercase) {
        return new BleuOptions(smoothing, value, lowercase, false);
    }
}
