package dev.llmmesh.core.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.NoGrad;
import dev.llmmesh.core.model.SafeTensors;
import dev.llmmesh.core.train.AdamW;
import dev.llmmesh.core.train.Checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SequencedMap;

/**
 * A fine-tune's resumable snapshots, one directory per step under a root:
 * <pre>
 * step-00000120/
 *   model.safetensors, config.json   the classifier (a {@link ClassifierCheckpoint} directory)
 *   optimizer.safetensors            AdamW moments of the trained parameters and its step count
 *   best.safetensors                 the trained parameters as they were at the best epoch (when there was one)
 *   state.json                       where the run stands
 * </pre>
 * Written whole or not at all by {@link Checkpoint#write(Path, long, int, Checkpoint.Contents)}, as pretraining's
 * are; only the newest {@code keep} survive.
 */
final class TrainingCheckpoints {
    static final String BEST_FILE = "best.safetensors";
    static final String STATE_FILE = Checkpoint.STATE_FILE;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Where a run stands between two steps.
     *
     * @param epochsDone     epochs completed
     * @param batchesDone    batches of the current epoch already trained
     * @param steps          optimizer steps completed
     * @param skippedSteps   of which skipped for a non-finite loss
     * @param trainLossSum   the current epoch's loss summed over its examples so far
     * @param trainCorrect   the current epoch's right answers so far
     * @param trainSeen      the current epoch's examples so far
     * @param bestEpoch      epoch of the lowest validation loss (0: none yet)
     * @param bestLoss       that loss
     * @param sinceBest      epochs since then
     * @param batchSize      the run's batch size: the saved position only means the same batches with it
     * @param seed           the run's seed: ditto for the shuffled order
     * @param trainable      the run's trainable set, by wire name: the optimizer state holds just those
     */
    record State(int epochsDone, int batchesDone, long steps, long skippedSteps, double trainLossSum,
                 long trainCorrect, long trainSeen, int bestEpoch, double bestLoss, int sinceBest, int batchSize,
                 long seed, String trainable) {
    }

    private TrainingCheckpoints() {
    }

    static Path write(Path root, ClassifierModel model, AdamW optimizer, Map<String, NDArray> best, State state,
                      int keep) throws IOException {
        return Checkpoint.write(root, state.steps(), keep, dir -> {
            ClassifierCheckpoint.save(model, dir);
            try (NDManager scratch = model.manager().newSubManager()) {
                SafeTensors.write(dir.resolve(Checkpoint.OPTIMIZER_FILE), optimizer.state(scratch), Map.of());
            }
            if (best != null) {
                SafeTensors.write(dir.resolve(BEST_FILE), best, Map.of());
            }
            JSON.writeValue(dir.resolve(STATE_FILE).toFile(), state);
        });
    }

    static State readState(Path directory) throws IOException {
        return JSON.readValue(directory.resolve(STATE_FILE).toFile(), State.class);
    }

    /** Copies every weight of the checkpoint into {@code model}'s parameters in place (they keep their identity). */
    static void restoreWeights(Path directory, ClassifierModel model) throws IOException {
        try (NDManager scratch = model.manager().newSubManager()) {
            Map<String, NDArray> saved = SafeTensors.read(directory.resolve(GptCheckpoint.WEIGHTS_FILE),
                    scratch);
            copyInto(saved, model.parameters(), directory);
        }
    }

    /** The best weights saved with the checkpoint, into {@code targets} (same names), or false if none were. */
    static boolean restoreBest(Path directory, SequencedMap<String, NDArray> targets, NDManager manager)
            throws IOException {
        Path file = directory.resolve(BEST_FILE);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (NDManager scratch = manager.newSubManager()) {
            copyInto(SafeTensors.read(file, scratch), targets, directory);
        }
        return true;
    }

    static void copyInto(Map<String, NDArray> sources, Map<String, NDArray> targets, Object from) {
        try (NoGrad ignored = NoGrad.enter(targets.values().iterator().next().getManager())) {
            for (var entry : targets.entrySet()) {
                NDArray source = sources.get(entry.getKey());
                if (source == null) {
                    throw new IllegalArgumentException(from + " has no weight '" + entry.getKey() + "'");
                }
                if (!source.getShape().equals(entry.getValue().getShape())) {
                    throw new IllegalArgumentException(from + ": weight '" + entry.getKey() + "' has shape "
                            + source.getShape() + ", the model has " + entry.getValue().getShape());
                }
                entry.getValue().set(new NDIndex("..."), source);
            }
        }
    }
}
