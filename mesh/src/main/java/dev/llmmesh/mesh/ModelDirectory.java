package dev.llmmesh.mesh;

import java.util.List;
import java.util.Optional;

/**
 * The published models as one reader of {@link Topics#MODELS} knows them. Job validation (in mesh) looks models up
 * through this; service-kit's registry reader implements it for every service.
 */
public interface ModelDirectory {
    Optional<ModelAnnouncement> find(String modelId);

    /** Newest first. */
    List<ModelAnnouncement> all();
}
