package dev.llmmesh.mesh;

/** What every service's job record tells about itself, so shared code can report on it. */
public interface MeshJob {
    String jobId();

    /** The type its events report (the type a client submitted). */
    String jobType();
}
