package dev.llmmesh.gateway.jobs;

import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Progress;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JobViewTest {
    private static String messageAfter(Progress progress) {
        return JobView.first(JobEvent.queued("j", "pretrain")).next(JobEvent.running("j", "pretrain", progress))
                .message();
    }

    @Test
    void aRunningJobsMessageSaysStageCountAndUnitAndLeavesOutWhatTheReportLacks() {
        assertEquals("running: training, 3/10 steps", messageAfter(new Progress(3, 10, "steps", "training", 1.0, null,
                Map.of())));
        assertEquals("running: 0/1", messageAfter(new Progress(0, 1, null, null, 0.0, null, Map.of())));
        assertEquals("running: training, 0/1", messageAfter(new Progress(0, 1, null, "training", 0.0, null, Map.of())));
        assertEquals("running: 0/1 shards", messageAfter(new Progress(0, 1, "shards", null, 0.0, null, Map.of())));
    }
}
