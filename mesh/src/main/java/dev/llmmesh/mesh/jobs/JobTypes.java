package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.MalformedJobException;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Every job type of the mesh. Adding one is a record (with its {@code TYPE} and {@code validate}) in the sealed
 * interface of the service that runs it, its line here, and a runner: the gateway accepts it, Jackson reads it, and
 * the service's listener does not compile until it runs it.
 */
public final class JobTypes {
    private static final List<JobType<?>> ALL = List.of(
            TokenizerJob.TrainTokenizer.TYPE,
            TokenizerJob.TokenizeDataset.TYPE,
            TokenizerJob.TokenizeShard.TYPE,
            TrainerJob.Pretrain.TYPE,
            TrainerJob.FinetuneClassifier.TYPE,
            TrainerJob.DeleteModel.TYPE,
            EvalJob.Evaluate.TYPE);

    private JobTypes() {
    }

    public static List<JobType<?>> all() {
        return ALL;
    }

    /** A type clients may submit. */
    public static Optional<JobType<?>> submittable(String name) {
        return ALL.stream().filter(t -> t.submittable() && t.name().equals(name)).findFirst();
    }

    /** The types clients may submit, as an error message lists them. */
    public static String submittableNames() {
        return ALL.stream().filter(JobType::submittable).map(JobType::name).collect(Collectors.joining(", "));
    }

    /** The client types of one service's family (e.g. {@link TrainerJob}), for its error messages. */
    public static String submittableNames(Class<?> family) {
        return ALL.stream().filter(t -> t.submittable() && family.isAssignableFrom(t.record())).map(JobType::name)
                .collect(Collectors.joining(", "));
    }

    /** Renames deprecated fields of the message's type to their new names. */
    public static void upgrade(ObjectNode message) throws MalformedJobException {
        String type = message.path("type").asText(null);
        for (JobType<?> t : ALL) {
            if (t.name().equals(type)) {
                t.upgrade(message);
            }
        }
    }

    /** Tells Jackson each record's {@code type}, so a family's messages read as the right record. */
    public static Module jacksonModule() {
        SimpleModule module = new SimpleModule("llm-mesh-job-types");
        ALL.forEach(t -> module.registerSubtypes(new NamedType(t.record(), t.name())));
        return module;
    }

    /** Whether jobs of this type stop on {@code cancel-job}. */
    public static boolean cancellable(String name) {
        return ALL.stream().anyMatch(t -> t.name().equals(name) && t.cancellable());
    }
}
