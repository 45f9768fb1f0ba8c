package dev.llmmesh.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.model.LanguageModel;
import dev.llmmesh.core.model.NoGrad;
import dev.llmmesh.core.model.SafeTensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A resumable snapshot of a run, one directory per step under a root:
 * <pre>
 * step-00001000/
 *   model.safetensors      weights by HuggingFace name
 *   config.json            for a GptModel: the checkpoint is then also a model directory
 *   optimizer.safetensors  AdamW moments (m.*, v.*) and step count
 *   state.json             step, data position, sampler PRNG state, the run's config
 * </pre>
 * A directory is written under a temporary name and renamed when complete, so a crash mid-write never leaves
 * a checkpoint that looks whole; only the newest {@code keep} survive.
 */
public final class Checkpoint {

    public static final String MODEL_FILE = GptCheckpoint.WEIGHTS_FILE;
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String STATE_FILE = "state.json";

    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
    private static final String TEMP_PREFIX = ".tmp-";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What besides tensors a run needs to continue exactly where it stopped.
     *
     * @param step          completed optimizer steps
     * @param position      the training sampler's epoch and cursor
     * @param samplerState  the sampler PRNG state at the start of that epoch
     * @param skippedSteps  steps skipped so far for non-finite loss (reporting only)
     * @param config        the run's configuration
     * @param model         the model's shape (informational: the weights file is authoritative)
     */
    public record State(long step, DataPosition position, long samplerState, long skippedSteps,
                        TrainConfig config, GptConfig model) {
    }

    private Checkpoint() {
    }

    /** Writes checkpoint {@code state.step()} under {@code root} and prunes all but the newest {@code keep}. */
    public static Path write(Path root, LanguageModel model, AdamW optimizer, State state, int keep)
            throws IOException {
        return write(root, state.step(), keep, dir -> {
            if (model instanceof GptModel gpt) {
                // with its config.json the checkpoint is also a model directory GptCheckpoint.load can open
                GptCheckpoint.save(gpt, dir);
            } else {
                SafeTensors.write(dir.resolve(MODEL_FILE), model.parameters(), Map.of("format", "pt"));
            }
            try (NDManager scratch = model.manager().newSubManager()) {
                SafeTensors.write(dir.resolve(OPTIMIZER_FILE), optimizer.state(scratch), Map.of());
            }
            JSON.writeValue(dir.resolve(STATE_FILE).toFile(), state);
        });
    }

    /** The files of one checkpoint, written into an empty directory. */
    @FunctionalInterface
    public interface Contents {
        void writeTo(Path directory) throws IOException;
    }

    /**
     * Writes checkpoint {@code step} under {@code root} whole or not at all (into a temporary directory renamed
     * when complete), then prunes all but the newest {@code keep} and the leftovers of crashed writes. Every
     * training loop's checkpoints go through here, so {@link #list} and {@link #latest} find them all.
     */
    public static Path write(Path root, long step, int keep, Contents contents) throws IOException {
        Files.createDirectories(root);
        Path target = root.resolve(directoryName(step));
        Path temp = root.resolve(TEMP_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
        Files.createDirectory(temp);
        try {
            contents.writeTo(temp);
            if (Files.exists(target)) {
                // the same step written again (a resumed run ending where it started): replace it
                deleteRecursively(target);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(temp);
            throw e;
        }
        prune(root, keep);
        return target;
    }

    /** The newest complete checkpoint under {@code root}, if any. */
    public static Optional<Path> latest(Path root) throws IOException {
        List<Path> all = list(root);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /** Complete checkpoints under {@code root}, oldest first. */
    public static List<Path> list(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(p -> STEP_DIR.matcher(p.getFileName().toString()).matches())
                    .filter(Files::isDirectory)
                    .sorted(Comparator.comparingLong(Checkpoint::stepOf))
                    .toList();
        }
    }

    public static State readState(Path directory) throws IOException {
        return JSON.readValue(directory.resolve(STATE_FILE).toFile(), State.class);
    }

    /** Copies the checkpoint's weights into {@code model}'s parameters, by name, in place. */
    public static void restoreModel(Path directory, LanguageModel model) throws IOException {
        try (NDManager scratch = model.manager().newSubManager()) {
            Map<String, NDArray> saved = SafeTensors.read(directory.resolve(MODEL_FILE), scratch);
            try (NoGrad ignored = NoGrad.enter()) {
                for (var entry : model.parameters().entrySet()) {
                    NDArray source = saved.get(entry.getKey());
                    if (source == null) {
                        throw new IllegalArgumentException("checkpoint " + directory + " has no weight '"
                                + entry.getKey() + "'");
                    }
                    NDArray target = entry.getValue();
                    if (!source.getShape().equals(target.getShape())) {
                        throw new IllegalArgumentException("checkpoint weight '" + entry.getKey() + "' has shape "
                                + source.getShape() + ", the model has " + target.getShape());
                    }
                    // an in-place copy keeps the parameter's identity (the model and optimizer hold it)
                    target.set(new NDIndex("..."), source);
                }
            }
        }
    }

    public static void restoreOptimizer(Path directory, AdamW optimizer, NDManager manager) throws IOException {
        try (NDManager scratch = manager.newSubManager()) {
            optimizer.load(SafeTensors.read(directory.resolve(OPTIMIZER_FILE), scratch));
        }
    }

    /**
     * Refuses to resume from a checkpoint saved under another setting that decides which data comes next.
     *
     * @param consequence what resuming anyway would do wrong
     */
    public static void requireSame(String field, Object saved, Object now, String consequence) {
        if (!saved.equals(now)) {
            throw new IllegalArgumentException("checkpoint was trained with " + field + " " + saved
                    + ", this run has " + now + ": " + consequence);
        }
    }

    static String directoryName(long step) {
        return String.format("step-%08d", step);
    }

    private static long stepOf(Path directory) {
        Matcher m = STEP_DIR.matcher(directory.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a checkpoint directory: " + directory);
        }
        return Long.parseLong(m.group(1));
    }

    private static void prune(Path root, int keep) throws IOException {
        List<Path> all = list(root);
        for (Path old : all.subList(0, Math.max(0, all.size() - keep))) {
            deleteRecursively(old);
        }
        // leftovers of writes that crashed before their rename
        try (Stream<Path> children = Files.list(root)) {
            for (Path p : children.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) {
                deleteRecursively(p);
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
