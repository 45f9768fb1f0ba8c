package dev.llmmesh.inference.requests;

import dev.llmmesh.inference.engine.Ticket;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OffsetTrackerTest {
    private static final TopicPartition P0 = new TopicPartition("llm.inference.requests", 0);
    private static final TopicPartition P1 = new TopicPartition("llm.inference.requests", 1);

    @Test
    void commitsStopAtTheLowestUnansweredRequest() {
        OffsetTracker tracker = new OffsetTracker();
        tracker.assigned(List.of(P0, P1));
        Ticket a = tracker.begin(P0, 10);
        Ticket b = tracker.begin(P0, 11);
        Ticket c = tracker.begin(P0, 12);
        assertEquals(Map.of(P0, new OffsetAndMetadata(10)), tracker.committable(), "nothing answered yet");

        b.answered();
        c.answered();
        assertEquals(Map.of(P0, new OffsetAndMetadata(10)), tracker.committable(),
                "10 is still being answered: a replica that dies now must leave it to the next owner");
        a.answered();
        var all = tracker.committable();
        assertEquals(Map.of(P0, new OffsetAndMetadata(13)), all);
        tracker.committed(all);
        assertEquals(Map.of(), tracker.committable(), "nothing new to commit");
        assertEquals(0, tracker.open());
    }

    @Test
    void aRevokedPartitionForgetsItsTicketsAndANewOwnershipStartsClean() {
        OffsetTracker tracker = new OffsetTracker();
        tracker.assigned(List.of(P0));
        Ticket done = tracker.begin(P0, 3);
        Ticket running = tracker.begin(P0, 4);
        done.answered();
        assertEquals(Map.of(P0, new OffsetAndMetadata(4)), tracker.revoked(List.of(P0)));
        assertEquals(0, tracker.owned());

        tracker.assigned(List.of(P0));
        running.answered();
        assertEquals(Map.of(), tracker.committable(), "an answer from the previous ownership commits nothing");
        Ticket again = tracker.begin(P0, 4);
        assertEquals(1, tracker.open());
        again.answered();
        assertEquals(Map.of(P0, new OffsetAndMetadata(5)), tracker.committable());
    }
}
