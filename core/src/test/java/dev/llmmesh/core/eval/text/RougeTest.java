package dev.llmmesh.core.eval.text;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * ROUGE against rouge-score's own tests (google-research/google-research rouge/rouge_scorer_test.py,
 * rouge/tokenize_test.py; its "ground truth" values were taken from ROUGE-1.5.5) and Lin 2004's ROUGE-L example.
 */
class RougeTest {
    // rouge/testdata/target.txt and prediction.txt, lines 1 and 2 (read with readlines(), so with their newline).
    private static final String TARGET_0 = "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY."
            + "rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n";
    private static final String TARGET_1 = "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion "
            + "BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing "
            + "tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I "
            + "DNxqelhu,PHPxDEq,mtion SN\n";
    private static final String PREDICTION_0 = "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl "
            + "jB-RPP'iyOIcUxi\n";
    private static final String PREDICTION_1 = "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m "
            + "qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n";

    private static final double PLACES_7 = 1e-7;  // assertAlmostEqual's default: 7 decimal places
    private static final double PLACES_5 = 1e-5;

    @Test
    void rouge1Rouge2AndRougeLOnShortTexts() {
        Map<String, RougeScore> r1 = new Rouge(List.of("rouge1"), false).score("testing one two", "testing");
        assertScore(1, 1.0 / 3, 1.0 / 2, r1.get("rouge1"), PLACES_7);
        Map<String, RougeScore> r2 = new Rouge(List.of("rouge2"), false).score("testing one two", "testing one");
        assertScore(1, 1.0 / 2, 2.0 / 3, r2.get("rouge2"), PLACES_7);
        Rouge l = new Rouge(List.of("rougeL"), false);
        assertScore(1, 2.0 / 3, 4.0 / 5, l.score("testing one two", "testing one").get("rougeL"), PLACES_7);
        assertScore(1, 2.0 / 3, 4.0 / 5, l.score("testing one two", "testing two").get("rougeL"), PLACES_7);
    }

    @Test
    void severalTypesComeBackInTheOrderAsked() {
        Map<String, RougeScore> r = new Rouge(List.of("rouge1", "rougeL"), false)
                .score("testing one two", "testing one");
        assertEquals(List.of("rouge1", "rougeL"), List.copyOf(r.keySet()));
        assertScore(1, 2.0 / 3, 4.0 / 5, r.get("rouge1"), PLACES_7);
        assertScore(1, 2.0 / 3, 4.0 / 5, r.get("rougeL"), PLACES_7);
    }

    @Test
    void anEmptyPredictionScoresZero() {
        Map<String, RougeScore> r = new Rouge(List.of("rouge1", "rouge2", "rougeL"), false)
                .score("testing one two", "");
        r.values().forEach(s -> assertScore(0, 0, 0, s, PLACES_7));
    }

    @Test
    void typesAreCheckedAsRougeScoreChecksThem() {
        for (String bad : List.of("rougen", "rouge0", "rouge10", "rougeLsum", "ROUGE1")) {
            assertThrows(IllegalArgumentException.class, () -> new Rouge(List.of(bad), false), bad);
        }
        assertEquals(List.of("rouge9"), List.copyOf(new Rouge(List.of("rouge9"), false)
                .score("testing one two", "testing").keySet()));
    }

    @Test
    void againstRouge155() {
        Rouge plain = new Rouge(List.of("rouge1", "rouge2", "rougeL"), false);
        Map<String, RougeScore> a = plain.score(TARGET_0, PREDICTION_0);
        assertScore(0.68750, 0.40741, 0.51163, a.get("rouge1"), PLACES_5);
        assertScore(0.53333, 0.30769, 0.39024, a.get("rouge2"), PLACES_5);
        assertScore(0.68750, 0.40741, 0.51163, a.get("rougeL"), PLACES_5);
        Map<String, RougeScore> b = plain.score(TARGET_1, PREDICTION_1);
        assertScore(0.65385, 0.40476, 0.50000, b.get("rouge1"), PLACES_5);
        assertScore(0.48000, 0.29268, 0.36364, b.get("rouge2"), PLACES_5);
        assertScore(0.65385, 0.40476, 0.50000, b.get("rougeL"), PLACES_5);
    }

    @Test
    void againstRouge155WithStemming() {
        Rouge stemmed = new Rouge(List.of("rouge1", "rouge2"), true);
        Map<String, RougeScore> a = stemmed.score(TARGET_0, PREDICTION_0);
        assertScore(0.68750, 0.40741, 0.51163, a.get("rouge1"), PLACES_5);
        assertScore(0.53333, 0.30769, 0.39024, a.get("rouge2"), PLACES_5);
        Map<String, RougeScore> b = stemmed.score(TARGET_1, PREDICTION_1);
        assertScore(0.69231, 0.42857, 0.52941, b.get("rouge1"), PLACES_5);    // differs from unstemmed: stems match
        assertScore(0.48000, 0.29268, 0.36364, b.get("rouge2"), PLACES_5);
    }

    @Test
    void tokenization() {
        Rouge r = new Rouge(List.of("rouge1"), false);
        assertEquals(List.of("one", "two", "three"), r.tokenize("one Two three"));       // tokenize_test.py
        assertEquals(List.of("one", "two", "three"), r.tokenize("one\n Two \nthree"));   // tokenize_test.py
        assertEquals(List.of("it", "s", "caf", "na", "ve", "3", "14"), r.tokenize("It's café naïve 3.14"));
        Rouge stemmed = new Rouge(List.of("rouge1"), true);
        assertEquals(List.of("the", "cat", "were", "run", "fast"), stemmed.tokenize("The cats were running fast"),
                "only tokens longer than 3 characters are stemmed ('cats' is 4: stemmed; 'the' is not)");
    }

    /**
     * Lin 2004, section 3.1: with S1 "police killed the gunman" as reference, S2 "police kill the gunman" has
     * ROUGE-L 3/4 and S3 "the gunman kill police" 1/2 (beta = 1), though both have the same ROUGE-2.
     */
    @Test
    void linsRougeLExample() {
        Rouge r = new Rouge(List.of("rouge2", "rougeL"), false);
        String s1 = "police killed the gunman";
        Map<String, RougeScore> s2 = r.score(s1, "police kill the gunman");
        Map<String, RougeScore> s3 = r.score(s1, "the gunman kill police");
        assertEquals(3.0 / 4, s2.get("rougeL").fmeasure(), 1e-12);
        assertEquals(1.0 / 2, s3.get("rougeL").fmeasure(), 1e-12);
        assertEquals(s2.get("rouge2"), s3.get("rouge2"));
        assertEquals(1.0 / 3, s2.get("rouge2").fmeasure(), 1e-12);
        Rouge stemmed = new Rouge(List.of("rougeL"), true);
        assertEquals(1.0, stemmed.score(s1, "police kill the gunman").get("rougeL").fmeasure(), 1e-12,
                "with stemming 'killed' and 'kill' are one word");
    }

    /** score_multi: per type, the reference with the best F1; here rouge1 and rouge2 pick different ones. */
    @Test
    void scoreMultiTakesTheBestReferencePerType() {
        Rouge r = new Rouge(List.of("rouge1", "rouge2"), false);
        String prediction = "a b c d";
        // ref1 "d c b a": rouge1 P=R=1, rouge2 0. ref2 "a b x y z": rouge1 P=2/4 R=2/5, rouge2 P=1/3 R=1/4.
        Map<String, RougeScore> best = r.scoreMulti(List.of("d c b a", "a b x y z"), prediction);
        assertScore(1, 1, 1, best.get("rouge1"), 1e-12);
        assertEquals(r.score("a b x y z", prediction).get("rouge2"), best.get("rouge2"));
        assertScore(1.0 / 3, 1.0 / 4, 2.0 / 7, best.get("rouge2"), 1e-12);
        assertEquals(r.score("a b", prediction), r.scoreMulti(List.of("a b", "a b"), prediction));
        assertThrows(IllegalArgumentException.class, () -> r.scoreMulti(List.of(), prediction));
    }

    private static void assertScore(double precision, double recall, double f, RougeScore s, double eps) {
        assertEquals(precision, s.precision(), eps, "precision");
        assertEquals(recall, s.recall(), eps, "recall");
        assertEquals(f, s.fmeasure(), eps, "fmeasure");
    }
}
