package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ArtifactLinesTest {
    @TempDir
    Path dir;

    private FileArtifactStore store(String key, String content) throws IOException {
        FileArtifactStore store = new FileArtifactStore(dir);
        store.write(key, content.getBytes(StandardCharsets.UTF_8));
        return store;
    }

    @Test
    void aJsonlPageIsParsedAloneAndTheTotalCountsEveryItemPastIt() throws Exception {
        // Blank lines are no items; the malformed line past the page is counted, never parsed.
        var lines = ArtifactLines.jsonl(store("s.jsonl", "{\"i\":0}\n\n{\"i\":1}\n  \n{\"i\":2}\n{\"i\":3}\n{nope\n"),
                "s.jsonl");
        ArtifactLines.Page<JsonNode> page = lines.page(1, 2, Json.LENIENT::readTree);
        assertEquals(List.of(1, 2), page.items().stream().map(n -> n.get("i").intValue()).toList());
        assertEquals(5, page.total());
        assertEquals(List.of(), lines.page(5, 3, Json.LENIENT::readTree).items());
        assertEquals(5, lines.page(9, 3, Json.LENIENT::readTree).total());
        assertEquals(List.of(3), lines.page(3, 1, Json.LENIENT::readTree).items().stream()
                .map(n -> n.get("i").intValue()).toList());
        assertThrows(IOException.class, () -> lines.page(3, 2, Json.LENIENT::readTree), "the page holds {nope");
        assertThrows(IllegalArgumentException.class, () -> lines.page(-1, 2, Json.LENIENT::readTree));
        assertThrows(IllegalArgumentException.class, () -> lines.page(0, -2, Json.LENIENT::readTree));
    }

    @Test
    void aVisitNamesEachItemsLineAndStopsAtThePagesEnd() throws Exception {
        var jsonl = ArtifactLines.jsonl(store("r.jsonl", "a\n\nb\nc\nd\n"), "r.jsonl");
        List<String> seen = new ArrayList<>();
        jsonl.visit(1, 2, (index, line, text) -> seen.add(index + "@" + line + "=" + text));
        assertEquals(List.of("1@3=b", "2@4=c"), seen);

        // In text every line is an item, a blank one too, cut as BufferedReader cuts lines.
        var text = ArtifactLines.text(store("t.txt", "one\r\ntwo\rthree\n\nfive"), "t.txt");
        seen.clear();
        text.visit(0, Long.MAX_VALUE, (index, line, t) -> seen.add(index + "@" + line + "=" + t));
        assertEquals(List.of("0@1=one", "1@2=two", "2@3=three", "3@4=", "4@5=five"), seen);
        assertEquals(5, text.page(2, 1, t -> t).total());
        assertEquals(List.of(""), text.page(3, 1, t -> t).items());
    }
}
