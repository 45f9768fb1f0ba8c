package dev.llmmesh.mesh;

import java.util.Map;

/** Kafka topic names and their partition counts: the one place services and deployment files agree on. */
public final class Topics {
    public static final String TOKENIZER_JOBS = "llm.tokenizer.jobs";
    public static final String TRAINER_JOBS = "llm.trainer.jobs";
    public static final String EVAL_JOBS = "llm.eval.jobs";
    public static final String JOB_EVENTS = "llm.jobs.events";
    /** Commands about running jobs (cancel); every replica of every service reads all of it. */
    public static final String JOB_CONTROL = "llm.jobs.control";
    public static final String MODELS = "llm.models";
    public static final String INFERENCE_REQUESTS = "llm.inference.requests";
    public static final String INFERENCE_EVENTS = "llm.inference.events";
    public static final String DEAD_LETTER = "llm.deadletter";
    /** Finished evaluations (compacted): key model + suite for automatic ones, the eval id for requested ones. */
    public static final String EVAL_RESULTS = "llm.eval.results";

    /**
     * Partitions bound how many replicas of a consumer group share work: tokenizer shards fan out over
     * the jobs topic, so it gets enough partitions for several replicas.
     */
    public static final Map<String, Integer> PARTITIONS = Map.of(
            TOKENIZER_JOBS, 8,
            TRAINER_JOBS, 4,
            EVAL_JOBS, 4,
            JOB_EVENTS, 4,
            JOB_CONTROL, 1,
            MODELS, 1,
            INFERENCE_REQUESTS, 16,
            INFERENCE_EVENTS, 16,
            DEAD_LETTER, 1,
            EVAL_RESULTS, 1);

    /** Topics that keep only the latest record per key. */
    public static final java.util.Set<String> COMPACTED = java.util.Set.of(MODELS, EVAL_RESULTS);

    private Topics() {
    }
}
