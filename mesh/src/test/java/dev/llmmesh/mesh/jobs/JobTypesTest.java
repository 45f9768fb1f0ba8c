package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmmesh.mesh.JobMessages;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.MalformedJobException;
import dev.llmmesh.mesh.MeshJob;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobTypesTest {
    private static final List<Class<?>> FAMILIES = List.of(TokenizerJob.class, TrainerJob.class, EvalJob.class);

    @Test
    void everyJobRecordOfEveryServiceFamilyIsRegisteredOnceUnderItsOwnType() {
        Set<Class<?>> records = new HashSet<>();
        FAMILIES.forEach(f -> records.addAll(Arrays.asList(f.getPermittedSubclasses())));
        Set<Class<?>> registered = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (JobType<?> type : JobTypes.all()) {
            assertTrue(registered.add(type.record()), type.record() + " registered twice");
            assertTrue(names.add(type.name()), type.name() + " used twice");
        }
        assertEquals(records, registered, "a job record without a line in JobTypes (or the reverse)");
    }

    @Test
    void aJobWrittenAsJsonReadsBackAsTheSameRecordThroughItsServicesFamily() throws Exception {
        List<MeshJob> jobs = List.of(
                new TokenizerJob.TrainTokenizer(null, "j1", "d", null, 300, null, null),
                new TokenizerJob.TokenizeDataset(null, "j2", "d", "gpt2", null),
                new TokenizerJob.TokenizeShard(null, "j3", "d", "gpt2", 0, 2, 0, 10),
                new TrainerJob.Pretrain(null, "j4", "d", "gpt2", null, null, Json.STRICT.readTree("\"tiny\""), null, 5L,
                        null),
                new TrainerJob.Pretrain(null, "j6", "d", "gpt2", "m2", "m1", null, null, null, 100_000L),
                new TrainerJob.DeleteModel(null, "j5", "m"));
        for (MeshJob job : jobs) {
            Class<?> family = FAMILIES.stream().filter(f -> f.isInstance(job)).findFirst().orElseThrow();
            assertEquals(job, JobMessages.parse(Json.bytes(job), family));
        }
    }

    @Test
    void aServiceIsToldOnlyItsOwnClientTypesWhenATypeIsUnknown() {
        var e = assertThrows(MalformedJobException.class, () -> JobMessages.parse(
                "{\"type\":\"tokenize-shard\",\"jobId\":\"j\"}".getBytes(), TrainerJob.class));
        assertEquals("type", e.field().orElseThrow());
        assertTrue(e.getMessage().endsWith("valid types: pretrain, finetune-classifier, delete-model"), e.getMessage());
    }

    @Test
    void internalTypesAreNotSubmittableAndOnlyLongJobsAreCancellable() {
        assertTrue(JobTypes.submittable("tokenize-shard").isEmpty());
        assertEquals("train-tokenizer, tokenize-dataset, pretrain, finetune-classifier, delete-model, evaluate",
                JobTypes.submittableNames());
        assertTrue(JobTypes.cancellable("pretrain"));
        assertTrue(JobTypes.cancellable("evaluate"));
        assertFalse(JobTypes.cancellable("delete-model"));
        assertFalse(JobTypes.cancellable("no-such-type"));
    }

    @Test
    void pretrainsDeprecatedModelFieldIsReadAsShapeWithAWarning() throws Exception {
        ObjectNode old = (ObjectNode) Json.STRICT.readTree("""
                {"type":"pretrain","jobId":"j","datasetId":"d","tokenizerId":"gpt2","model":{"layers":2}}""");
        assertEquals(List.of("'model' is deprecated in pretrain jobs and will be removed in the next release; send "
                + "'shape' instead"), TrainerJob.Pretrain.TYPE.deprecations(old));
        TrainerJob job = JobMessages.parse(old.deepCopy(), TrainerJob.class);
        var pretrain = assertInstanceOf(TrainerJob.Pretrain.class, job);
        assertEquals(2, pretrain.shape().get("layers").intValue());
        assertTrue(TrainerJob.Pretrain.TYPE.deprecations(Json.STRICT.readTree(new String(Json.bytes(job))))
                .isEmpty(), "the record is written with the new name");
    }

    @Test
    void aPretrainGivingBothShapeAndItsOldNameIsRefusedNamingTheOldOne() {
        var e = assertThrows(MalformedJobException.class, () -> JobMessages.parse(("{\"type\":\"pretrain\","
                + "\"jobId\":\"j\",\"datasetId\":\"d\",\"tokenizerId\":\"gpt2\",\"model\":\"tiny\",\"shape\":\"tiny\"}")
                .getBytes(), TrainerJob.class));
        assertEquals("model", e.field().orElseThrow());
        assertEquals("j", e.jobId().orElseThrow(), "the sender is told through a FAILED event");
        assertTrue(e.getMessage().contains("give 'shape' only"), e.getMessage());
    }
}
