package dev.llmmesh.inference.models;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch's intra-op threads in this JVM ({@code llm.inference.intra-op-threads}, 0: libtorch's default of one per
 * core). One by default: each engine already batches its sequences into one forward per step, and libtorch's OpenMP
 * workers spin for milliseconds after every parallel region, so with one per core they take the cores the Kafka
 * clients, the broker and the other engines need between steps (on 2 cores the serving path was measurably slower
 * with 2). A host with cores to spare for one large model raises it.
 */
@Singleton
public class IntraOpThreads {
    private static final Logger LOG = LoggerFactory.getLogger(IntraOpThreads.class);

    private final int threads;
    private boolean applied;

    public IntraOpThreads(@Value("${llm.inference.intra-op-threads:1}") int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("llm.inference.intra-op-threads must be >= 0, got " + threads);
        }
        this.threads = threads;
    }

    /**
     * Before the first model is loaded: libtorch reads the count into each thread on that thread's first parallel
     * operation, so an engine thread that already ran one would keep its old count.
     */
    synchronized void apply() {
        if (applied) {
            return;
        }
        applied = true;
        Engine.getInstance();
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        LOG.info("libtorch intra-op threads: {}", JniUtils.getNumThreads());
    }
}
