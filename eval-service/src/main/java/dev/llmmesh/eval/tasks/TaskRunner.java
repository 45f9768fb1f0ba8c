package dev.llmmesh.eval.tasks;

import dev.llmmesh.mesh.eval.EvalTask;

import java.util.Optional;

/** Measures one task; one implementation per {@link EvalTask}. */
public interface TaskRunner {
    EvalTask task();

    /** @return the figures, or empty when the run was stopped (cancelled, or this replica stopping) */
    Optional<TaskOutcome> run(EvalRun run) throws Exception;
}
