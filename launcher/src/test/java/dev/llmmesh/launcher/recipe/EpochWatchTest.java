package dev.llmmesh.launcher.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A fine-tune's progress events (finetune-progress.jsonl: a batch, an epoch's end with details, a batch). */
class EpochWatchTest {
    private static List<JsonNode> events() throws IOException {
        try (InputStream in = EpochWatchTest.class.getResourceAsStream("finetune-progress.jsonl")) {
            List<JsonNode> events = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                events.add(Json.LENIENT.readTree(line));
            }
            return events;
        }
    }

    @Test
    void anEpochsEndPrintsItsFiguresAndTheWorstMailsOnce() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        EpochWatch watch = new EpochWatch(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<JsonNode> events = events();
        events.forEach(watch::event);
        // a reconnect replays the history: nothing is printed twice
        events.forEach(watch::event);
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        // Not a terminal: the epoch's lines begin by ending the progress bar's line (here: empty).
        assertEquals(List.of("",
                "    epoch 1/3: train loss 0.512 acc 80.0%, validation loss 0.400 acc 86.0% (best so far), 95 s",
                "      worst: ham read as spam (ham 0.12, spam 0.88) \"Subject: Re: Cheap flights Anyone know a good site?\"",
                "      worst: spam read as ham (ham 0.80, spam 0.20) \"Subject: Your account\""), lines);
    }

    @Test
    void theBarKeepsTheLastValidationFigures() throws IOException {
        EpochWatch watch = new EpochWatch(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        List<String> messages = new ArrayList<>();
        for (JsonNode event : events()) {
            messages.add(watch.barMessage(Json.LENIENT.treeToValue(event, JobEvent.class).progress()));
        }
        assertEquals("epoch 1/3 loss 0.610", messages.get(0));
        assertEquals("epoch 1/3 loss 0.512 | val 0.400 86.0%", messages.get(1));
        assertEquals("epoch 2/3 loss 0.300 | val 0.400 86.0%", messages.get(2));
        assertTrue(watch.lines(events().get(1)).size() == 3);
    }
}
