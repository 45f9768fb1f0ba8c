package dev.llmmesh.mesh.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.jobs.InvalidJobException;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The {@code parameters} each task knows, with their bounds and defaults: the gateway and eval-service check a job
 * with the same rules, and each error names the field ({@code parameters.stride}). A task's runner reads its
 * settings through the same getters, so a default lives here only.
 *
 * <ul>
 *   <li>perplexity on a text dataset: {@code contextLength}, the tokens of one window (2 .. the model's context;
 *       default the model's), {@code stride} (1 .. contextLength - 1; default contextLength - 1: consecutive
 *       windows share one token, so every target is scored once, each window from a fresh context; smaller strides
 *       give each prediction more context). The validation windows of a base model fix both.</li>
 *   <li>classification: none (the labels are the dataset's)</li>
 *   <li>generation: {@code maxTokens} (1 .. 1024, default 64), {@code stemming} (ROUGE with Porter stemming,
 *       default false)</li>
 *   <li>multiple-choice: none</li>
 *   <li>judge: {@code maxTokens} (the answers', 1 .. 1024, default 64), {@code pairwise} (default false),
 *       {@code baselineModelId} (the other model whose answers a pairwise judge compares; required then)</li>
 * </ul>
 */
public final class EvalParameters {
    public static final int MAX_GENERATED_TOKENS = 1024;
    public static final int DEFAULT_GENERATED_TOKENS = 64;

    private static final Map<EvalTask, Set<String>> KNOWN = Map.of(
            EvalTask.PERPLEXITY, Set.of("contextLength", "stride"),
            EvalTask.CLASSIFICATION, Set.of(),
            EvalTask.GENERATION, Set.of("maxTokens", "stemming"),
            EvalTask.MULTIPLE_CHOICE, Set.of(),
            EvalTask.JUDGE, Set.of("maxTokens", "pairwise", "baselineModelId"));

    private final EvalTask task;
    private final JsonNode parameters;

    private EvalParameters(EvalTask task, JsonNode parameters) {
        this.task = task;
        this.parameters = parameters;
    }

    /**
     * @param modelContext the evaluated model's context length, bounding {@code contextLength}
     * @throws InvalidJobException naming {@code parameters.<name>}
     */
    public static EvalParameters check(EvalTask task, JsonNode parameters, int modelContext)
            throws InvalidJobException {
        if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
            throw new InvalidJobException("parameters", "parameters must be a JSON object, got " + parameters);
        }
        var checked = new EvalParameters(task, parameters == null || parameters.isNull() ? null : parameters);
        if (checked.parameters != null) {
            for (Iterator<String> names = checked.parameters.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!KNOWN.get(task).contains(name)) {
                    throw new InvalidJobException("parameters." + name, "unknown parameter '" + name + "' for task "
                            + task.wireName() + "; known: " + (KNOWN.get(task).isEmpty() ? "none"
                            : String.join(", ", KNOWN.get(task).stream().sorted().toList())));
                }
            }
        }
        switch (task) {
            case PERPLEXITY -> {
                Integer context = checked.integer("contextLength", 2, modelContext);
                checked.integer("stride", 1, (context == null ? modelContext : context) - 1);
            }
            case GENERATION -> {
                checked.integer("maxTokens", 1, MAX_GENERATED_TOKENS);
                checked.bool("stemming");
            }
            case JUDGE -> {
                checked.integer("maxTokens", 1, MAX_GENERATED_TOKENS);
                boolean pairwise = checked.bool("pairwise");
                String baseline = checked.text("baselineModelId");
                if (pairwise && baseline == null) {
                    throw new InvalidJobException("parameters.baselineModelId", "a pairwise judge compares the "
                            + "model's answers with another model's: give parameters.baselineModelId");
                }
                if (!pairwise && baseline != null) {
                    throw new InvalidJobException("parameters.baselineModelId", "baselineModelId is only for "
                            + "parameters.pairwise true");
                }
                if (baseline != null && !Ids.valid(baseline)) {
                    throw new InvalidJobException("parameters.baselineModelId", "not a model id: '" + baseline + "'");
                }
            }
            default -> {
            }
        }
        return checked;
    }

    /** The parameters without checks, for a job already checked. */
    public static EvalParameters of(EvalTask task, JsonNode parameters) {
        return new EvalParameters(task, parameters == null || parameters.isNull() ? null : parameters);
    }

    public int contextLength(int fallback) {
        return value("contextLength") == null ? fallback : value("contextLength").intValue();
    }

    public int stride(int contextLength) {
        return value("stride") == null ? contextLength - 1 : value("stride").intValue();
    }

    public int maxTokens() {
        return value("maxTokens") == null ? DEFAULT_GENERATED_TOKENS : value("maxTokens").intValue();
    }

    public boolean stemming() {
        return value("stemming") != null && value("stemming").booleanValue();
    }

    public boolean pairwise() {
        return value("pairwise") != null && value("pairwise").booleanValue();
    }

    public String baselineModelId() {
        return value("baselineModelId") == null ? null : value("baselineModelId").textValue();
    }

    public EvalTask task() {
        return task;
    }

    private JsonNode value(String name) {
        JsonNode value = parameters == null ? null : parameters.get(name);
        return value == null || value.isNull() ? null : value;
    }

    private Integer integer(String name, int min, int max) throws InvalidJobException {
        JsonNode value = value(name);
        if (value == null) {
            return null;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new InvalidJobException("parameters." + name, "parameters." + name + " must be an integer, got "
                    + value);
        }
        if (value.intValue() < min || value.intValue() > max) {
            throw new InvalidJobException("parameters." + name, "parameters." + name + " must be in [" + min + ", "
                    + max + "], got " + value.intValue());
        }
        return value.intValue();
    }

    private boolean bool(String name) throws InvalidJobException {
        JsonNode value = value(name);
        if (value != null && !value.isBoolean()) {
            throw new InvalidJobException("parameters." + name, "parameters." + name + " must be true or false, got "
                    + value);
        }
        return value != null && value.booleanValue();
    }

    private String text(String name) throws InvalidJobException {
        JsonNode value = value(name);
        if (value != null && !value.isTextual()) {
            throw new InvalidJobException("parameters." + name, "parameters." + name + " must be a string, got "
                    + value);
        }
        return value == null ? null : value.textValue();
    }
}
