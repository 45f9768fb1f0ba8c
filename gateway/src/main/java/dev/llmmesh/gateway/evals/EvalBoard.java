package dev.llmmesh.gateway.evals;

import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.jobs.EvalJob;
import jakarta.inject.Singleton;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The evaluations the mesh has finished, folded from {@code llm.eval.results} (the latest record per key, as
 * compaction keeps it), and the evaluations asked for, from {@code llm.eval.jobs}, so one still running (or one that
 * failed) can be told by its model and task. Both topics are replayed from their start when the gateway starts:
 * nothing here is saved.
 *
 * <p>A request is kept only while it says something its result does not: once the result is in, the result tells
 * the model, task and parameters, and a later request record of it (a replay of the other topic, a redelivery) is
 * not kept. So the requests held are those of evaluations running, failed or cancelled, not of every one ever.
 */
@Singleton
public class EvalBoard {
    private final Map<String, EvalResult> byKey = new HashMap<>();
    /** The current results again, by eval id: an automatic one's key is its model and suite, not its id. */
    private final Map<String, EvalResult> byEvalId = new HashMap<>();
    private final Map<String, EvalJob.Evaluate> requests = new ConcurrentHashMap<>();

    /**
     * The record under {@code key}, or its tombstone ({@code null}). A record whose key is not its own (a requested
     * eval published under its model's automatic key) is refused: it would replace the default figure.
     */
    public synchronized void apply(String key, EvalResult result) {
        if (result != null && !result.key().equals(key)) {
            throw new IllegalArgumentException("eval result " + result.evalId() + " has key '" + key + "', not its "
                    + "own '" + result.key() + "'");
        }
        EvalResult replaced = result == null ? byKey.remove(key) : byKey.put(key, result);
        if (replaced != null) {
            byEvalId.remove(replaced.evalId());
        }
        if (result != null) {
            byEvalId.put(result.evalId(), result);
            requests.remove(result.evalId());
        }
    }

    public synchronized void requested(EvalJob.Evaluate job) {
        if (!byEvalId.containsKey(job.jobId())) {
            requests.put(job.jobId(), job);
        }
    }

    /** The current result of this evaluation; empty while it runs, or once a later run of its suite replaced it. */
    public synchronized Optional<EvalResult> result(String evalId) {
        return Optional.ofNullable(byEvalId.get(evalId));
    }

    /** What was asked of an evaluation without a result; empty once its result is in (which tells the same). */
    public Optional<EvalJob.Evaluate> request(String evalId) {
        return Optional.ofNullable(requests.get(evalId));
    }

    /** How many requests are held: those of evaluations without a result. */
    int requestsHeld() {
        return requests.size();
    }

    /** Every current result, newest first. */
    public List<EvalResult> results() {
        return results(r -> true);
    }

    /** The current results {@code filter} accepts, newest first. */
    public List<EvalResult> results(Predicate<EvalResult> filter) {
        List<EvalResult> current;
        synchronized (this) {
            current = List.copyOf(byKey.values());
        }
        return current.stream().filter(filter).sorted(NEWEST_FIRST).toList();
    }

    public List<EvalResult> ofModel(String modelId) {
        return results(r -> r.modelId().equals(modelId));
    }

    /** The automatic results of one suite: one per model. */
    public List<EvalResult> ofSuite(String suite) {
        return results(r -> suite.equals(r.suite()));
    }

    static final Comparator<EvalResult> NEWEST_FIRST = Comparator.comparing(EvalResult::createdAt,
            Comparator.nullsLast(Comparator.reverseOrder()));
}
