package dev.llmmesh.core.eval.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tokens and scores exactly as sacreBLEU's own code gives them, on sentences of Moby-Dick perturbed into
 * hypotheses and references, and on lines made to hit every 13a rule: sacrebleu-parity.jsonl, written by
 * make_sacrebleu_parity.py beside it from sacreBLEU's source (2.6.0; the signatures' version aside, the same
 * BLEU as the 2.4 we name).
 */
class BleuParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double EPS = 1e-9;
    private static final List<JsonNode> RECORDS = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = BleuParityTest.class.getResourceAsStream("sacrebleu-parity.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                RECORDS.add(JSON.readTree(line));
            }
        }
    }

    @Test
    void tokenizesAsSacreBleu() {
        Tokenizer13a mixed = new Tokenizer13a(false);
        Tokenizer13a lower = new Tokenizer13a(true);
        int lines = 0;
        for (JsonNode r : RECORDS) {
            if (r.has("line")) {
                String line = r.get("line").asText();
                assertEquals(r.get("tok13a").asText(), mixed.tokenize(line), line);
                assertEquals(r.get("tok13a_lc").asText(), lower.tokenize(line), line);
                lines++;
            }
        }
        assertTrue(lines >= 150, "lines: " + lines);
    }

    @Test
    void scoresAsSacreBleu() {
        int corpora = 0;
        int scores = 0;
        for (JsonNode r : RECORDS) {
            if (!r.has("corpus")) {
                continue;
            }
            corpora++;
            List<String> hyps = strings(r.get("hyps"));
            List<List<String>> refs = new ArrayList<>();
            r.get("refs").forEach(set -> refs.add(strings(set)));
            for (JsonNode expected : r.get("results")) {
                assertSame(expected, Bleu.corpus(hyps, refs, options(expected.get("options"))));
                scores++;
            }
            for (JsonNode expected : r.get("sentences")) {
                int i = expected.get("segment").asInt();
                assertSame(expected, Bleu.sentence(hyps.get(i), refs.get(i), options(expected.get("options"))));
                scores++;
            }
        }
        assertEquals(2, corpora);
        assertTrue(scores > 100, "scores: " + scores);
    }

    private static void assertSame(JsonNode expected, BleuScore actual) {
        String what = expected.toString();
        assertEquals(expected.get("score").asDouble(), actual.score(), EPS, what);
        double[] precisions = new double[4];
        for (int n = 0; n < 4; n++) {
            precisions[n] = expected.get("precisions").get(n).asDouble();
        }
        assertArrayEquals(precisions, actual.precisions(), EPS, what);
        assertEquals(expected.get("bp").asDouble(), actual.brevityPenalty(), EPS, what);
        assertEquals(expected.get("sys_len").asInt(), actual.hypothesisLength(), what);
        assertEquals(expected.get("ref_len").asInt(), actual.referenceLength(), what);
        assertEquals(expected.get("signature").asText().replace("version:2.6.0", "version:" + Bleu.VERSION),
                actual.signature(), what);
    }

    /** sacreBLEU's BLEU(...) keyword arguments as options. */
    private static BleuOptions options(JsonNode o) {
        Smoothing smoothing = Smoothing.fromWireName(o.path("smooth_method").asText("exp"));
        Double value = o.has("smooth_value") ? o.get("smooth_value").asDouble() : null;
        return new BleuOptions(smoothing, value, o.path("lowercase").asBoolean(false),
                o.path("effective_order").asBoolean(false));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(s -> out.add(s.asText()));
        return out;
    }
}
