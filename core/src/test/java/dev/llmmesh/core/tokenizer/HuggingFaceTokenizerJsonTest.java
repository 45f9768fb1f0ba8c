package dev.llmmesh.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static dev.llmmesh.core.tokenizer.BpeTrainerTest.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HuggingFaceTokenizerJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BpeModel TRAINED = BpeTrainerTest.train(
            List.of(Corpus.mobyDick(60_000)), 700, 2, List.of("<|endoftext|>", "<|pad|>"));

    @Test
    void aTrainedModelSurvivesWriteAndRead(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        HuggingFaceTokenizerJson.write(TRAINED, file);

        assertSameModel(TRAINED, HuggingFaceTokenizerJson.read(file));
    }

    @Test
    void gpt2SurvivesWriteAndRead(@TempDir Path dir) throws IOException {
        BpeModel gpt2 = Gpt2Vocabulary.gpt2().model();
        Path file = dir.resolve("gpt2").resolve("tokenizer.json");
        HuggingFaceTokenizerJson.write(gpt2, file);

        assertSameModel(gpt2, HuggingFaceTokenizerJson.read(file));
    }

    @Test
    void writingReplacesTheFileAndLeavesNothingElseBehind(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), "old");
        HuggingFaceTokenizerJson.write(TRAINED, file);

        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
        assertSameModel(TRAINED, HuggingFaceTokenizerJson.read(file));
    }

    @Test
    void writesTheShapeHuggingFaceExpects() {
        JsonNode json = HuggingFaceTokenizerJson.toJson(TRAINED);

        assertEquals("BPE", json.at("/model/type").asText());
        assertEquals("ByteLevel", json.at("/pre_tokenizer/type").asText());
        assertFalse(json.at("/pre_tokenizer/add_prefix_space").asBoolean(true));
        assertTrue(json.at("/pre_tokenizer/use_regex").asBoolean(false));
        assertEquals("ByteLevel", json.at("/decoder/type").asText());
        assertEquals("ByteLevel", json.at("/post_processor/type").asText());
        assertFalse(json.at("/post_processor/trim_offsets").asBoolean(true));
        assertTrue(json.get("normalizer").isNull());
        assertEquals(32, json.at("/model/vocab/Ġ").asInt());
        assertEquals(698, json.at("/model/vocab/<|endoftext|>").asInt());
        Merge first = TRAINED.merges().getFirst();
        assertEquals(ByteLevel.encode(TRAINED.tokens().get(first.left())) + " "
                + ByteLevel.encode(TRAINED.tokens().get(first.right())), json.at("/model/merges/0").asText());
        assertEquals(2, json.get("added_tokens").size());
        JsonNode eot = json.at("/added_tokens/0");
        assertEquals("<|endoftext|>", eot.get("content").asText());
        assertEquals(698, eot.get("id").asInt());
        assertTrue(eot.get("special").asBoolean());
    }

    @Test
    void readsMergesWrittenAsPairs() {
        ObjectNode json = HuggingFaceTokenizerJson.toJson(TRAINED);
        ArrayNode merges = (ArrayNode) json.at("/model/merges");
        var pairs = new ArrayList<JsonNode>();
        merges.forEach(m -> pairs.add(JSON.createArrayNode().addAll(
                Stream.of(m.asText().split(" ")).map(JSON.getNodeFactory()::textNode).toList())));
        merges.removeAll().addAll(pairs);

        assertSameModel(TRAINED, HuggingFaceTokenizerJson.fromJson(json));
    }

    @Test
    void rejectsAnotherModelType() {
        assertRejected(json -> ((ObjectNode) json.get("model")).put("type", "WordPiece"),
                "unsupported model type \"WordPiece\"");
    }

    @Test
    void rejectsAMergeNamingAnUnknownToken() {
        assertRejected(json -> ((ArrayNode) json.at("/model/merges")).insert(3, "Ġt zzz"),
                "merge 3 (\"Ġt zzz\") names \"zzz\", which is not in model.vocab");
    }

    @Test
    void rejectsAMergeWhoseResultIsNotInTheVocab() {
        assertRejected(json -> ((ArrayNode) json.at("/model/merges")).add("ÿ þ"),
                "makes \"ÿþ\", which is not in model.vocab");
    }

    @Test
    void rejectsAGapInTheIds() {
        assertRejected(json -> ((ObjectNode) json.at("/model/vocab")).remove("a"), "no token has id 97");
    }

    @Test
    void rejectsTwoTokensWithOneId() {
        assertRejected(json -> ((ObjectNode) json.at("/model/vocab")).put("b", 97), "id 97 is given to both");
    }

    @Test
    void rejectsATokenThatIsNotByteLevelSpelled() {
        assertRejected(json -> {
            ObjectNode vocab = (ObjectNode) json.at("/model/vocab");
            vocab.remove("a");
            vocab.put("a b", 97);
        }, "model.vocab: character U+0020");
    }

    @Test
    void rejectsSettingsThatWouldEncodeDifferently() {
        assertRejected(json -> ((ObjectNode) json).set("normalizer", JSON.createObjectNode().put("type", "NFC")),
                "normalizer");
        assertRejected(json -> ((ObjectNode) json.get("pre_tokenizer")).put("add_prefix_space", true),
                "pre_tokenizer");
        assertRejected(json -> ((ObjectNode) json).set("pre_tokenizer",
                JSON.createObjectNode().put("type", "Whitespace")), "pre_tokenizer");
        assertRejected(json -> ((ObjectNode) json.get("model")).put("continuing_subword_prefix", "##"),
                "continuing_subword_prefix");
        assertRejected(json -> ((ObjectNode) json.get("model")).put("ignore_merges", true), "ignore_merges");
        assertRejected(json -> ((ObjectNode) json.at("/added_tokens/1")).put("special", false),
                "added token \"<|pad|>\" (id 699) is not special");
    }

    @Test
    void aMissingVocabIsNamed() {
        assertRejected(json -> ((ObjectNode) json.get("model")).remove("vocab"), "\"model.vocab\" is missing");
    }

    @Test
    void readErrorsNameTheFile(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\"}}");

        var e = assertThrows(IOException.class, () -> HuggingFaceTokenizerJson.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("Unigram"), e.getMessage());
        Files.writeString(file, "{not json");
        assertTrue(assertThrows(IOException.class, () -> HuggingFaceTokenizerJson.read(file)).getMessage()
                .contains("not readable as JSON"));
    }

    @Test
    void aSpecialTokenSpelledLikeAByteTokenCannotBeWritten() {
        var tokens = new ArrayList<>(TRAINED.tokens().subList(0, 256));
        tokens.add("!".getBytes(StandardCharsets.UTF_8));
        var model = new BpeModel(tokens, List.of(), Map.of("!", 256));

        var e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceTokenizerJson.toJson(model));
        assertTrue(e.getMessage().contains("tokens 33 and 256 are both spelled \"!\""), e.getMessage());
    }

    private static void assertRejected(Consumer<JsonNode> breakIt, String expectedMessagePart) {
        JsonNode json = HuggingFaceTokenizerJson.toJson(TRAINED);
        breakIt.accept(json);

        var e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceTokenizerJson.fromJson(json));
        assertTrue(e.getMessage().contains(expectedMessagePart), e.getMessage());
    }
}
