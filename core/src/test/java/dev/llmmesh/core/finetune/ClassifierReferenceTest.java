package dev.llmmesh.core.finetune;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A classifier in HuggingFace's GPT2ForSequenceClassification layout, written by an independent PyTorch forward
 * (src/test/resources/dev/llmmesh/core/finetune/make_expected.py, which also says how to regenerate), loads and
 * gives that forward's logits, padded rows and all.
 */
class ClassifierReferenceTest {

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ClassifierReferenceTest.class.getResource(name).toURI());
    }

    @Test
    void logitsMatchTheIndependentPyTorchForward() throws IOException, URISyntaxException {
        JsonNode expected = new ObjectMapper().readTree(resource("hf-classifier-expected.json").toFile());
        int rows = expected.get("lengths").size();
        int time = expected.get("ids").get(0).size();
        long[] ids = new long[rows * time];
        int[] lengths = new int[rows];
        List<int[]> unpadded = new ArrayList<>();
        for (int b = 0; b < rows; b++) {
            lengths[b] = expected.get("lengths").get(b).asInt();
            int[] row = new int[lengths[b]];
            for (int t = 0; t < time; t++) {
                ids[b * time + t] = expected.get("ids").get(b).get(t).asLong();
                if (t < lengths[b]) {
                    row[t] = (int) ids[b * time + t];
                }
            }
            unpadded.add(row);
        }
        try (ClassifierModel model = ClassifierCheckpoint.load(resource("hf-classifier"), Device.cpu());
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertEquals(List.of("ham", "spam", "eggs"), model.labels());
            assertEquals(52, model.padTokenId());
            // from_pretrained's files carry no classifier_max_length: the whole context is read
            assertEquals(16, model.maxLength());
            float[] logits = model.logits(m.create(ids, new Shape(rows, time)), lengths, false).toFloatArray();
            List<Classified> served = model.classify(unpadded);
            for (int b = 0; b < rows; b++) {
                double[] want = new double[3];
                double norm = 0;
                for (int c = 0; c < 3; c++) {
                    want[c] = expected.get("logits").get(b).get(c).asDouble();
                    float got = logits[b * 3 + c];
                    assertEquals(want[c], got, 1e-5, "row " + b + " label " + c + ": " + Arrays.toString(logits));
                    norm += Math.exp(want[c]);
                }
                for (int c = 0; c < 3; c++) {
                    assertEquals(Math.exp(want[c]) / norm, served.get(b).probabilities()[c], 1e-6);
                }
                assertEquals(lengths[b], served.get(b).tokens());
            }
            // the rows disagree with each other, so reading the wrong position could not pass by chance
            assertTrue(Math.abs(logits[0] - logits[3]) > 0.1);
        }
    }
}
