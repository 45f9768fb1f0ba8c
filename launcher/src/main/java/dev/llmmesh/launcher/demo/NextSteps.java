package dev.llmmesh.launcher.demo;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the user can try after the demo, as commands against the gateway that use what the demo made. */
final class NextSteps {
    private NextSteps() {
    }

    /**
     * @param modelId     the pretrained model, empty when pretraining was skipped
     * @param pretrainJob its job, for the event-stream example
     * @param stackStops  whether the demo is about to stop the stack, so the commands need an {@code up} first
     */
    static List<String> lines(URI gateway, String datasetId, String tokenizerId, Optional<String> modelId,
                              Optional<String> pretrainJob, boolean stackStops) {
        String base = gateway.getHost() + ":" + gateway.getPort();
        List<String> lines = new ArrayList<>();
        lines.add("Next, through the gateway (no API key on the local stack):");
        if (stackStops) {
            lines.add("  bin/llm-mesh up        # the demo stops the stack; datasets, tokenizers, models and jobs are kept");
        }
        lines.add("  curl -s %s/v1/models".formatted(base));
        modelId.ifPresent(id -> lines.add("  curl -s %s/v1/models/%s".formatted(base, id)));
        modelId.ifPresent(id -> lines.add(("  curl -s %s/v1/completions -H 'Content-Type: application/json' "
                + "-d '{\"model\":\"%s\",\"prompt\":\"Call me Ishmael.\",\"max_tokens\":40}'").formatted(base, id)));
        modelId.ifPresent(id -> lines.add("  curl -s %s/v1/models/%s/evals    # its figures, measured by eval-service"
                .formatted(base, id)));
        lines.add("  curl -s '%s/v1/leaderboard?suite=default'".formatted(base));
        lines.add("  curl -s %s/v1/tokenize -H 'Content-Type: application/json' -d '{\"tokenizerId\":\"%s\",\"text\":\"Call me Ishmael.\"}'"
                .formatted(base, tokenizerId));
        lines.add("  curl -s '%s/v1/jobs?type=pretrain'".formatted(base));
        pretrainJob.ifPresent(id -> lines.add("  curl -N %s/v1/jobs/%s/events     # replays the job's events"
                .formatted(base, id)));
        lines.add(("  curl -s %s/v1/jobs -H 'Content-Type: application/json' -d '{\"type\":\"pretrain\",\"datasetId\":\"%s\","
                + "\"tokenizerId\":\"%s\",\"shape\":{\"contextLength\":256},\"maxSteps\":1000}'").formatted(base, datasetId, tokenizerId));
        lines.add("  curl -s %s/openapi.yml  # the whole API".formatted(base));
        return lines;
    }
}
