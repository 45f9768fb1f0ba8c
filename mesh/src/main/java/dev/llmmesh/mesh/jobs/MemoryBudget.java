package dev.llmmesh.mesh.jobs;

/**
 * How much memory a job may take where it would run.
 *
 * @param source where the number comes from (a property, the device), said in a refusal so an operator knows
 *               what to change
 */
public record MemoryBudget(long bytes, String source) {
}
