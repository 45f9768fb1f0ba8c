package dev.llmmesh.mesh.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetFormatTest {
    private static JsonNode json(String s) throws Exception {
        return Json.LENIENT.readTree(s);
    }

    private static InvalidDatasetException refused(DatasetFormat format, String row) {
        return assertThrows(InvalidDatasetException.class, () -> format.row(json(row), "line 17"), row);
    }

    @Test
    void formatsAreFoundByTheirNamesAndTheOldOnes() {
        assertEquals(List.of("text", "jsonl-text", "jsonl-labeled", "alpaca", "multiple-choice"), DatasetFormat.names());
        for (DatasetFormat f : DatasetFormat.values()) {
            assertEquals(f, DatasetFormat.named(f.apiName()));
        }
        assertEquals(DatasetFormat.JSONL_TEXT, DatasetFormat.named("jsonl"));
        assertEquals(DatasetFormat.JSONL_TEXT, DatasetFormat.named("NDJSON"));
        assertEquals(DatasetFormat.TEXT, DatasetFormat.named("txt"));
        var unknown = assertThrows(IllegalArgumentException.class, () -> DatasetFormat.named("csv"));
        assertTrue(unknown.getMessage().contains("[text, jsonl-text, jsonl-labeled, alpaca, multiple-choice]"),
                unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DatasetFormat.named(null));
    }

    @Test
    void aRowKeepsOnlyItsFormatsFieldsInAFixedOrder() throws Exception {
        assertEquals("{\"text\":\"a\",\"label\":2}",
                DatasetFormat.JSONL_LABELED.row(json("{\"id\":9,\"label\":2,\"text\":\"a\"}"), "line 1").toString());
        assertEquals("{\"instruction\":\"i\",\"input\":\"\",\"output\":\"o\"}",
                DatasetFormat.ALPACA.row(json("{\"output\":\"o\",\"instruction\":\"i\"}"), "line 1").toString());
        assertEquals("{\"context\":\"c\",\"choices\":[\"a\",\"b\"],\"label\":0}",
                DatasetFormat.MULTIPLE_CHOICE.row(json("{\"label\":0,\"choices\":[\"a\",\"b\"],\"context\":\"c\"}"),
                        "line 1").toString());
    }

    @Test
    void theTextALanguageModelReadsIsDocumentedPerFormat() throws Exception {
        assertEquals("doc", DatasetFormat.JSONL_TEXT.text(json("{\"text\":\"doc\"}")));
        assertEquals("doc", DatasetFormat.JSONL_LABELED.text(json("{\"text\":\"doc\",\"label\":\"x\"}")));
        assertEquals("Sum\n\n1 2\n\n3", DatasetFormat.ALPACA.text(json("{\"instruction\":\"Sum\",\"input\":\"1 2\",\"output\":\"3\"}")));
        assertEquals("Hi\n\nHello", DatasetFormat.ALPACA.text(json("{\"instruction\":\"Hi\",\"input\":\"\",\"output\":\"Hello\"}")));
        assertEquals("Water is wet", DatasetFormat.MULTIPLE_CHOICE.text(json("{\"context\":\"Water is\",\"choices\":[\"dry\",\"wet\"],\"label\":1}")));
    }

    @Test
    void aBadRowIsNamedByItsPlaceAndField() {
        var outOfRange = refused(DatasetFormat.MULTIPLE_CHOICE, "{\"context\":\"c\",\"choices\":[\"a\",\"b\",\"c\"],\"label\":5}");
        assertEquals("line 17: field 'label': must be an integer index into 'choices' (0-2), got the number 5",
                outOfRange.getMessage());
        assertEquals("line 17", outOfRange.where());
        assertEquals("label", outOfRange.field());

        var notObject = refused(DatasetFormat.JSONL_TEXT, "[1]");
        assertNull(notObject.field());
        assertTrue(notObject.getMessage().startsWith("line 17: must be a JSON object {\"text\": string}"), notObject.getMessage());

        assertEquals("text", refused(DatasetFormat.JSONL_TEXT, "{\"text\":null}").field());
        assertEquals("text", refused(DatasetFormat.JSONL_TEXT, "{}").field());
        assertEquals("text", refused(DatasetFormat.JSONL_TEXT, "{\"text\":\"\\udc00x\"}").field());
        for (String label : List.of("1.5", "\"\"", "true", "null", "[]", "{}")) {
            assertEquals("label", refused(DatasetFormat.JSONL_LABELED, "{\"text\":\"t\",\"label\":" + label + "}").field(), label);
        }
        assertEquals("output", refused(DatasetFormat.ALPACA, "{\"instruction\":\"i\",\"output\":3}").field());
        assertEquals("input", refused(DatasetFormat.ALPACA, "{\"instruction\":\"i\",\"input\":3,\"output\":\"o\"}").field());
        assertEquals("instruction", refused(DatasetFormat.ALPACA, "{\"output\":\"o\"}").field());
        assertEquals("context", refused(DatasetFormat.MULTIPLE_CHOICE, "{\"choices\":[\"a\",\"b\"],\"label\":0}").field());
        assertEquals("choices", refused(DatasetFormat.MULTIPLE_CHOICE, "{\"context\":\"c\",\"choices\":\"ab\",\"label\":0}").field());
        assertEquals("choices[0]", refused(DatasetFormat.MULTIPLE_CHOICE, "{\"context\":\"c\",\"choices\":[1,\"b\"],\"label\":0}").field());
        for (String label : List.of("-1", "2", "\"1\"", "1.0")) {
            assertEquals("label", refused(DatasetFormat.MULTIPLE_CHOICE, "{\"context\":\"c\",\"choices\":[\"a\",\"b\"],\"label\":" + label + "}").field(), label);
        }
    }

    @Test
    void goodLabelsAreStringsOrWholeNumbersAndSurrogatePairsAreText() throws Exception {
        for (String label : List.of("\"spam\"", "0", "-3", "12345678901")) {
            assertEquals(json(label), DatasetFormat.JSONL_LABELED.row(json("{\"text\":\"t\",\"label\":" + label + "}"), "line 1").get("label"));
        }
        assertEquals("\uD83D\uDE42", DatasetFormat.JSONL_TEXT.row(json("{\"text\":\"\\ud83d\\ude42\"}"), "line 1").get("text").textValue());
    }
}
