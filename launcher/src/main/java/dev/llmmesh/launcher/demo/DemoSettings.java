package dev.llmmesh.launcher.demo;

import java.time.Duration;

/**
 * @param shardBytes small enough that Moby-Dick (1.2 MB) makes about ten shards: a progress bar worth watching
 * @param trainSteps optimizer steps of the pretrain job; 0 skips pretraining
 * @param model      the trainer's model config name ("tiny" trains at a few steps a second on two cores)
 * @param context    positions of the tiny model's context (other shapes keep their own): long enough that a chat
 *                   prompt, whose template alone is about 65 tokens, leaves room for an answer
 * @param jobTimeout the longest any one job may take; the demo never waits without a bound
 * @param keepUp     leave a stack the demo started running afterwards
 */
public record DemoSettings(int vocabSize, long shardBytes, int trainSteps, String model, int context,
                           Duration jobTimeout, boolean keepUp) {
    public static final String TINY = "tiny";
    public static final String DATASET_ID = "moby-dick";
    public static final String DATASET_NAME = "Moby-Dick; or, The Whale";
    public static final String SAMPLE = "Call me Ishmael. Some years ago, never mind how long precisely, having little "
            + "or no money in my purse, I thought I would sail about a little and see the watery part of the world.";

    public DemoSettings {
        if (trainSteps < 0) {
            throw new IllegalArgumentException("--train-steps must be 0 (no pretraining) or more, got " + trainSteps);
        }
        if (context < 16) {
            throw new IllegalArgumentException("--context must be at least 16 tokens, got " + context);
        }
    }
}
