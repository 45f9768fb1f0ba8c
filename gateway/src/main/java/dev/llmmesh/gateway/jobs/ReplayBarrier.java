package dev.llmmesh.gateway.jobs;

import dev.llmmesh.mesh.Topics;
import dev.llmmesh.servicekit.TopicCatchUp;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;

/**
 * Knows whether the job board has caught up with what {@code llm.jobs.events} held when the gateway started,
 * so that after a restart the gateway does not answer "no such job" for a job it simply has not replayed yet.
 */
@Singleton
public class ReplayBarrier extends TopicCatchUp {
    public ReplayBarrier(@Value("${kafka.bootstrap.servers}") String bootstrap) {
        super(bootstrap, Topics.JOB_EVENTS);
    }
}
