package dev.llmmesh.gateway.jobs;

import dev.llmmesh.mesh.MeshJob;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.jobs.TokenizerJob;
import dev.llmmesh.mesh.jobs.TrainerJob;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/** The job types clients may submit: which topic each goes to and which record its message must parse as. */
public final class JobCatalog {
    /**
     * @param cancellable whether the service running it honours {@code cancel-job}; tokenizer jobs run to the
     *                    end (seconds to minutes) and are not
     */
    public record Kind(String type, String topic, Class<? extends MeshJob> record, boolean cancellable) {
    }

    private static final SequencedMap<String, Kind> KINDS = new LinkedHashMap<>();

    static {
        add(new Kind(TokenizerJob.TRAIN_TOKENIZER, Topics.TOKENIZER_JOBS, TokenizerJob.class, false));
        add(new Kind(TokenizerJob.TOKENIZE_DATASET, Topics.TOKENIZER_JOBS, TokenizerJob.class, false));
        add(new Kind(TrainerJob.PRETRAIN, Topics.TRAINER_JOBS, TrainerJob.class, true));
    }

    private JobCatalog() {
    }

    private static void add(Kind kind) {
        KINDS.put(kind.type(), kind);
    }

    public static Optional<Kind> find(String type) {
        return Optional.ofNullable(KINDS.get(type));
    }

    public static String validTypes() {
        return String.join(", ", KINDS.sequencedKeySet());
    }

    public static Map<String, Kind> all() {
        return KINDS;
    }
}
