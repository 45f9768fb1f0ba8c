package dev.llmmesh.launcher.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.launcher.stack.StackException;
import dev.llmmesh.mesh.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeDatasetsTest {
    @Test
    void theCorpusIsOneRowPerBookMobyDickFirst(@TempDir Path datasets) throws IOException {
        Path austen = Files.createDirectories(datasets.resolve("corpus").resolve("austen"));
        Files.writeString(datasets.resolve("corpus").resolve("moby-dick.txt"), "Call me Ishmael.\n");
        Files.writeString(austen.resolve("persuasion.txt"), "Sir Walter Elliot,\n\"of Kellynch\"");
        Files.writeString(austen.resolve("emma.txt"), "Emma Woodhouse");
        Files.writeString(austen.resolve("notes.md"), "not a book");

        byte[] corpus = RecipeDatasets.corpus(datasets);
        List<String> lines = new String(corpus, StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size());
        assertEquals(List.of("Call me Ishmael.\n", "Emma Woodhouse", "Sir Walter Elliot,\n\"of Kellynch\""),
                lines.stream().map(RecipeDatasetsTest::text).toList());
        // a later run recognises the upload by its size: the same files must give the same bytes
        assertArrayEquals(corpus, RecipeDatasets.corpus(datasets));
    }

    @Test
    void aMissingBundledFileSaysToUseACompleteCheckout(@TempDir Path datasets) {
        var e = assertThrows(StackException.class, () -> RecipeDatasets.corpus(datasets));
        assertTrue(e.getMessage().contains("moby-dick.txt is missing"), e.getMessage());
    }

    @Test
    void anUploadIsReusedOnlyInTheSameFormatAndSize() {
        JsonNode info = Json.LENIENT.valueToTree(Map.of("format", "jsonl-labeled", "bytes", 3_545_877));
        assertTrue(RecipeDatasets.same(info, "jsonl-labeled", 3_545_877));
        assertFalse(RecipeDatasets.same(info, "jsonl-labeled", 3_545_876));
        assertFalse(RecipeDatasets.same(info, "jsonl-text", 3_545_877));
    }

    /** The bundled mails, as the recipe uploads them: 3,000 rows with a text and a ham/spam label. */
    @Test
    void theBundledMailsAreLabeledRows() throws IOException {
        Path mails = Path.of("..", "datasets", "spam", "spamassassin.jsonl");
        List<String> rows = Files.readAllLines(mails);
        assertEquals(3_000, rows.size());
        long spam = rows.stream().map(r -> field(r, "label")).filter("spam"::equals).count();
        assertEquals(500, spam);
    }

    private static String text(String line) {
        return field(line, "text");
    }

    private static String field(String line, String name) {
        try {
            return Json.LENIENT.readTree(line).path(name).asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
