package dev.llmmesh.gateway.evals;

import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.jobs.EvalJob;
import jakarta.inject.Singleton;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The evaluations the mesh has finished, folded from {@code llm.eval.results} (the latest record per key, as
 * compaction keeps it), and the evaluations asked for, from {@code llm.eval.jobs}, so one still running can be told
 * by its model and task. Both topics are replayed from their start when the gateway starts: nothing here is saved.
 */
@Singleton
public class EvalBoard {
    private final Map<String, EvalResult> byKey = new ConcurrentHashMap<>();
    private final Map<String, EvalJob.Evaluate> requests = new ConcurrentHashMap<>();

    /**
     * The record under {@code key}, or its tombstone ({@code null}). A record whose key is not its own (a requested
     * eval published under its model's automatic key) is refused: it would replace the default figure.
     */
    public synchronized void apply(String key, EvalResult result) {
        if (result == null) {
            byKey.remove(key);
            return;
        }
        if (!result.key().equals(key)) {
            throw new IllegalArgumentException("eval result " + result.evalId() + " has key '" + key + "', not its "
                    + "own '" + result.key() + "'");
        }
        byKey.put(key, result);
    }

    public void requested(EvalJob.Evaluate job) {
        requests.put(job.jobId(), job);
    }

    /** The current result of this evaluation; empty while it runs, or once a later run of its suite replaced it. */
    public Optional<EvalResult> result(String evalId) {
        return byKey.values().stream().filter(r -> r.evalId().equals(evalId)).findFirst();
    }

    public Optional<EvalJob.Evaluate> request(String evalId) {
        return Optional.ofNullable(requests.get(evalId));
    }

    /** Every current result, newest first. */
    public List<EvalResult> results() {
        return byKey.values().stream().sorted(NEWEST_FIRST).toList();
    }

    public List<EvalResult> ofModel(String modelId) {
        return results().stream().filter(r -> r.modelId().equals(modelId)).toList();
    }

    /** The automatic results of one suite: one per model. */
    public List<EvalResult> ofSuite(String suite) {
        return results().stream().filter(r -> suite.equals(r.suite())).toList();
    }

    static final Comparator<EvalResult> NEWEST_FIRST = Comparator.comparing(EvalResult::createdAt,
            Comparator.nullsLast(Comparator.reverseOrder()));
}
