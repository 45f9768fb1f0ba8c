package dev.llmmesh.inference.requests;

import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.inference.CancelCompletion;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandReaderTest {
    private static final CompletionRequest REQUEST = new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "cmpl-1",
            null, "m", "Hi", null, SamplingParams.builder().maxTokens(3).seed(5L).build(), false, null,
            Instant.parse("2026-12-02T08:20:00Z"), null);

    private static String json(InferenceCommand command) throws Exception {
        return Json.LENIENT.writerFor(InferenceCommand.class).writeValueAsString(command);
    }

    private static CommandReader.Read read(String json) {
        return CommandReader.read(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRequestAsTheGatewaySendsItIsRead() throws Exception {
        var read = assertInstanceOf(CommandReader.Readable.class, read(json(REQUEST)));
        assertEquals(REQUEST, read.command());
    }

    @Test
    void aCompletionOfAnotherSchemaVersionIsAnsweredWithWhatToDo() throws Exception {
        String old = json(REQUEST).replace("\"schemaVersion\":" + InferenceCommand.SCHEMA_VERSION,
                "\"schemaVersion\":1");
        var refused = assertInstanceOf(CommandReader.Unreadable.class, read(old));
        assertEquals("cmpl-1", refused.requestId());
        assertEquals(503, refused.error().status());
        assertEquals("unsupported_schema_version", refused.error().code());
        assertTrue(refused.error().message().contains("schema version 1; this replica reads version "
                + InferenceCommand.SCHEMA_VERSION) && refused.error().message().contains("same release"),
                refused.error().message());
    }

    @Test
    void aCommandWithoutASchemaVersionIsRefusedAsAnotherVersion() throws Exception {
        var refused = assertInstanceOf(CommandReader.Unreadable.class,
                read(json(REQUEST).replace("\"schemaVersion\":" + InferenceCommand.SCHEMA_VERSION + ",", "")));
        assertTrue(refused.reason().contains("(none)"), refused.reason());
        assertEquals("cmpl-1", refused.requestId());
    }

    @Test
    void aCancelOfAnotherVersionIsDeadLetteredWithNobodyToAnswer() throws Exception {
        String cancel = json(new CancelCompletion(7, "cmpl-1", "cmpl-1"));
        var refused = assertInstanceOf(CommandReader.Unreadable.class, read(cancel));
        assertNull(refused.requestId());
    }

    @Test
    void anInvalidSamplingValueIsAnsweredNamingTheFieldAsTheApiSpellsIt() throws Exception {
        var refused = assertInstanceOf(CommandReader.Unreadable.class,
                read(json(REQUEST).replace("\"topP\":1.0", "\"topP\":7.0")));
        assertEquals("cmpl-1", refused.requestId());
        assertEquals(400, refused.error().status());
        assertEquals("top_p", refused.error().param());
        assertTrue(refused.error().message().startsWith("top_p must be in (0, 1], got 7.0"),
                refused.error().message());
    }

    @Test
    void aValueOfTheWrongTypeIsAnsweredNamingItsField() throws Exception {
        var refused = assertInstanceOf(CommandReader.Unreadable.class,
                read(json(REQUEST).replace("\"prompt\":\"Hi\"", "\"prompt\":5")));
        assertEquals("cmpl-1", refused.requestId());
        assertEquals(400, refused.error().status());
        assertEquals("prompt", refused.error().param());
    }

    @Test
    void whatHasNoRequestIdOrIsNoJsonIsOnlyDeadLettered() throws Exception {
        var noId = assertInstanceOf(CommandReader.Unreadable.class,
                read(json(REQUEST).replace("\"requestId\":\"cmpl-1\",", "")));
        assertNull(noId.requestId());
        assertEquals("requestId is required", noId.reason());
        var notJson = assertInstanceOf(CommandReader.Unreadable.class, read("{not json"));
        assertNull(notJson.requestId());
        var empty = assertInstanceOf(CommandReader.Unreadable.class, CommandReader.read(null));
        assertNull(empty.requestId());
    }
}
