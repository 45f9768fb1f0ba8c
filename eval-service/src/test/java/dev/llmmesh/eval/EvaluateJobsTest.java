package dev.llmmesh.eval;

import dev.llmmesh.core.eval.ClassificationMetrics;
import dev.llmmesh.core.eval.MultipleChoice;
import dev.llmmesh.core.eval.text.Bleu;
import dev.llmmesh.core.eval.text.BleuOptions;
import dev.llmmesh.core.eval.text.BleuScore;
import dev.llmmesh.core.eval.text.ExactMatch;
import dev.llmmesh.core.eval.text.Rouge;
import dev.llmmesh.core.eval.text.RougeScore;
import dev.llmmesh.core.tokenizer.SpecialTokenPolicy;
import dev.llmmesh.eval.results.EvalResults;
import dev.llmmesh.eval.tasks.ClassificationRunner;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.JobControl;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.datasets.DatasetFormat;
import dev.llmmesh.mesh.datasets.DatasetWriter;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.EvalSample;
import dev.llmmesh.mesh.eval.EvalTask;
import dev.llmmesh.servicekit.models.ModelRegistry;
import dev.llmmesh.testkit.KafkaProbe;
import dev.llmmesh.testkit.MeshInfra;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * eval-service on the real broker against a {@link ScriptedReplica}: figures computed from scripted log
 * probabilities and replies, which the test knows in advance; a judge's unreadable reply counted, never 0; the
 * pairwise order swap turning a judge's liking for position A into ties; generation figures recomputed with core's
 * BLEU, ROUGE and exact match; a model the replicas do not know, or a model, judge or baseline withdrawn mid-run,
 * fails the job naming the field; a published evaluation is run once (a redelivery is passed over, a newer
 * default-suite job replaces the figure).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluateJobsTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String TEXT = "Call me Ishmael. Some years ago - never mind how long precisely - having "
            + "little or no money in my purse, and nothing particular to interest me on shore, I thought I would "
            + "sail about a little and see the watery part of the world.\n";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String model = "scripted-" + run;
    private final String baseline = "baseline-" + run;
    private final String judge = "judge-" + run;
    /** Answers the generation rows with known texts, so the figures can be computed beside the service. */
    private final String writer = "writer-" + run;
    /** A classifier whose head says "spam" for a text with "win" in it, else "ham" ({@link ScriptedReplica}). */
    private final String classifier = "classifier-" + run;
    private final Map<String, Function<String, String>> answers = new ConcurrentHashMap<>();
    private Path dir;
    private FileArtifactStore artifacts;
    private ApplicationContext service;
    private ScriptedReplica replica;

    @BeforeAll
    void start() throws Exception {
        MeshInfra.get().createTopics(Topics.PARTITIONS);
        dir = Files.createTempDirectory("eval-service-test");
        artifacts = new FileArtifactStore(dir);
        DatasetWriter datasets = new DatasetWriter(artifacts);
        datasets.upload("text-" + run, null, DatasetFormat.TEXT, stream(TEXT));
        datasets.upload("alpaca-" + run, null, DatasetFormat.ALPACA, stream(String.join("\n",
                "{\"instruction\":\"Name the whale.\",\"output\":\"Moby Dick\"}",
                "{\"instruction\":\"Name the captain.\",\"output\":\"Ahab\"}",
                "{\"instruction\":\" \",\"output\":\"a row with no instruction to answer\"}",
                "{\"instruction\":\"Who tells the story?\",\"output\":\"Ishmael\"}")));
        datasets.upload("choices-" + run, null, DatasetFormat.MULTIPLE_CHOICE, stream(String.join("\n",
                "{\"context\":\"The whale was\",\"choices\":[\"white\",\"black\",\"a ship\"],\"label\":0}",
                "{\"context\":\"Call me\",\"choices\":[\"Ishmael\",\"Ahab\"],\"label\":0}",
                "{\"context\":\"The ship sailed from\",\"choices\":[\"Nantucket\",\"the moon\"],\"label\":1}")));
        datasets.upload("labeled-" + run, null, DatasetFormat.JSONL_LABELED, stream(String.join("\n",
                "{\"text\":\"The harpoon flew.\",\"label\":\"sea\"}",
                "{\"text\":\"The inn was warm.\",\"label\":\"land\"}",
                "{\"text\":\"Waves broke over the bow.\",\"label\":\"sea\"}",
                "{\"text\":\"The chapel was cold.\",\"label\":\"land\"}")));
        datasets.upload("long-" + run, null, DatasetFormat.ALPACA, stream(String.join("\n",
                "{\"instruction\":\"Say one.\",\"output\":\"one\"}",
                "{\"instruction\":\"Say two.\",\"output\":\"two\"}",
                "{\"instruction\":\"Say three.\",\"output\":\"three\"}",
                "{\"instruction\":\"Say four.\",\"output\":\"four\"}",
                "{\"instruction\":\"Say five.\",\"output\":\"five\"}")));
        datasets.upload("mail-" + run, null, DatasetFormat.JSONL_LABELED, stream(String.join("\n",
                "{\"text\":\"win cash now\",\"label\":\"spam\"}",
                "{\"text\":\"win a prize\",\"label\":\"spam\"}",
                "{\"text\":\"cheap pills\",\"label\":\"spam\"}",
                "{\"text\":\"did we win the match?\",\"label\":\"ham\"}",
                "{\"text\":\"lunch at noon\",\"label\":\"ham\"}")));
        for (String id : List.of(model, baseline, judge, writer)) {
            announce(id);
        }
        KafkaProbe.send(Topics.MODELS, classifier, Json.bytes(ModelAnnouncement.base(classifier, Map.of(
                "contextLength", 64), "gpt2", "models/" + classifier + "/", "job-" + classifier, Map.of(),
                Instant.now()).withParent(model).asClassifier(List.of("spam", "ham"))));
        answers.put(model, prompt -> "alpha");
        answers.put(baseline, prompt -> "beta");
        answers.put(judge, EvaluateJobsTest::judgeReply);
        answers.put(writer, EvaluateJobsTest::writerReply);
        replica = new ScriptedReplica(answers).awaitAssigned();
        replica.classifiers().put(classifier, List.of("spam", "ham"));
        Map<String, Object> props = new HashMap<>(MeshInfra.get().properties());
        props.put("llm.artifacts.dir", dir.toString());
        props.put("llm.eval.automatic", "false");
        props.put("llm.eval.in-flight", "3");
        service = ApplicationContext.run(props, "test");
    }

    private static void announce(String id) throws Exception {
        KafkaProbe.send(Topics.MODELS, id, Json.bytes(ModelAnnouncement.base(id, Map.of("contextLength", 64),
                "gpt2", "models/" + id + "/", "job-" + id, Map.of(), Instant.now())));
    }

    /** Waits until eval-service's registry has read that the model is published ({@code true}) or withdrawn. */
    private void awaitPublished(String id, boolean published) throws InterruptedException {
        ModelRegistry registry = service.getBean(ModelRegistry.class);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (registry.find(id).isPresent() != published) {
            assertTrue(System.nanoTime() < deadline, "eval-service never read model " + id + " "
                    + (published ? "published" : "withdrawn"));
            Thread.sleep(20);
        }
    }

    /** The whale answered exactly, the captain at length, the story's teller partly. */
    private static String writerReply(String prompt) {
        if (prompt.contains("Name the whale")) {
            return "Moby Dick";
        }
        return prompt.contains("Name the captain") ? " Captain Ahab of the Pequod\n" : "Ishmael tells it";
    }

    /**
     * Single answers: the whale gets 90, the captain a reply with no score, the story 70. Pairwise: about the whale
     * the judge always says A (a position bias), about the story it prefers the answer "alpha" wherever it stands.
     */
    private static String judgeReply(String prompt) {
        boolean pairwise = prompt.contains("Answer A");
        if (prompt.contains("Name the whale")) {
            return pairwise ? "A" : "Score: 90/100. Precise.";
        }
        if (prompt.contains("Name the captain")) {
            return pairwise ? "I cannot choose." : "It is hard to say.";
        }
        if (pairwise) {
            return prompt.indexOf("alpha") < prompt.indexOf("beta") ? "A" : "B";
        }
        return "70";
    }

    @AfterAll
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (replica != null) {
            replica.close();
        }
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private EvalResult evaluate(String jobId, String json) throws Exception {
        KafkaProbe.send(Topics.EVAL_JOBS, jobId, json);
        List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
        JobEvent last = events.getLast();
        assertEquals(JobState.SUCCEEDED, last.state(), last.message());
        return Json.LENIENT.readValue(Files.readAllBytes(artifacts.path(ArtifactKeys.evalSummary(jobId))),
                EvalResult.class);
    }

    @Test
    void perplexityOfATextDatasetIsTheTokenWeightedMeanOfWhatTheReplicasScored() throws Exception {
        String jobId = "ppl-" + run;
        EvalResult result = evaluate(jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"perplexity","datasetId":"text-%s",
                 "parameters":{"contextLength":8}}""".formatted(jobId, model, run));
        // Every token after the first is scored once (stride contextLength - 1), each with its scripted logprob.
        int[] tokens = new TokenizerRegistry(artifacts).find("gpt2").orElseThrow().encode(TEXT,
                SpecialTokenPolicy.ALLOW_ALL);
        double nll = 0;
        for (int i = 1; i < tokens.length; i++) {
            nll -= ScriptedReplica.logprob(tokens[i]);
        }
        double loss = nll / (tokens.length - 1);
        assertEquals(loss, result.metrics().get("loss"), 1e-6, result.toString());
        assertEquals(Math.exp(loss), result.metrics().get("perplexity"), 1e-6 * Math.exp(loss));
        assertEquals((double) (tokens.length - 1), result.metrics().get("tokens"));
        assertEquals(7, ((Number) result.parameters().get("stride")).intValue());
        var interval = result.intervals().get("perplexity");
        assertTrue(interval.low() < Math.exp(loss) && Math.exp(loss) < interval.high(), interval.toString());

        List<String> lines = Files.readAllLines(artifacts.path(ArtifactKeys.evalSamples(jobId)));
        assertEquals(result.examples(), lines.size());
        double fromSamples = 0;
        for (String line : lines) {
            fromSamples -= Json.LENIENT.readValue(line, EvalSample.class).scores().get("logLikelihood");
        }
        assertEquals(nll, fromSamples, 1e-6, "the samples add up to the figure");
    }

    /** A choice's scripted log-likelihood as its continuation of the context, lm-eval-harness's way. */
    private double[] scripted(MultipleChoice.Row row) {
        var tokenizer = new TokenizerRegistry(artifacts).find("gpt2").orElseThrow();
        List<MultipleChoice.ChoiceRequest> requests = MultipleChoice.requests(row, tokenizer);
        double[] lls = new double[requests.size()];
        for (int i = 0; i < lls.length; i++) {
            for (int token : requests.get(i).continuationTokens()) {
                lls[i] += ScriptedReplica.logprob(token);
            }
        }
        return lls;
    }

    @Test
    void multipleChoiceScoresEachChoiceAsTheContinuationOfItsContext() throws Exception {
        String jobId = "mc-" + run;
        EvalResult result = evaluate(jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"multiple-choice","datasetId":"choices-%s"}"""
                .formatted(jobId, model, run));
        var tally = new MultipleChoice.Tally();
        for (String row : List.of(
                "{\"context\":\"The whale was\",\"choices\":[\"white\",\"black\",\"a ship\"],\"label\":0}",
                "{\"context\":\"Call me\",\"choices\":[\"Ishmael\",\"Ahab\"],\"label\":0}",
                "{\"context\":\"The ship sailed from\",\"choices\":[\"Nantucket\",\"the moon\"],\"label\":1}")) {
            MultipleChoice.Row parsed = MultipleChoice.Row.parse(row);
            tally.add(MultipleChoice.score(parsed, scripted(parsed)));
        }
        var expected = tally.result();
        assertEquals(expected.acc(), result.metrics().get("acc"), 1e-12, result.toString());
        assertEquals(expected.accNorm(), result.metrics().get("acc_norm"), 1e-12, result.toString());
        assertEquals(expected.accInterval().low(), result.intervals().get("acc").low(), 1e-12);
        assertEquals(3, result.examples());
    }

    @Test
    void aModelClassifiesByTheLikelihoodOfEachLabelAfterTheFixedPrompt() throws Exception {
        String jobId = "cls-" + run;
        EvalResult result = evaluate(jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"classification","datasetId":"labeled-%s"}"""
                .formatted(jobId, model, run));
        List<String> labels = List.of("land", "sea");
        List<String> texts = List.of("The harpoon flew.", "The inn was warm.", "Waves broke over the bow.",
                "The chapel was cold.");
        int[] gold = {1, 0, 1, 0};
        int[] predicted = new int[gold.length];
        for (int i = 0; i < gold.length; i++) {
            double[] lls = scripted(new MultipleChoice.Row(ClassificationRunner.prompt(texts.get(i)), labels,
                    gold[i]));
            predicted[i] = lls[1] > lls[0] ? 1 : 0;
        }
        ClassificationMetrics expected = ClassificationMetrics.of(labels, gold, predicted);
        assertEquals(expected.accuracy(), result.metrics().get("accuracy"), 1e-12, result.toString());
        assertEquals(expected.macroF1(), result.metrics().get("macroF1"), 1e-12);
        assertEquals(Json.LENIENT.valueToTree(expected.confusion()).toString(),
                result.details().get("confusion").toString());
        assertEquals(Json.LENIENT.valueToTree(labels).toString(), result.details().get("labels").toString());
    }

    @Test
    void aClassifierIsMeasuredByItsOwnHeadInTheOrderOfItsLabels() throws Exception {
        String jobId = "head-" + run;
        EvalResult result = evaluate(jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"classification","datasetId":"mail-%s"}"""
                .formatted(jobId, classifier, run));

        // By hand: the head says spam for the two "win" spams and the "win" ham, ham for the rest; gold rows are
        // spam, spam, spam, ham, ham. Rows and columns in the head's order (spam, ham), not the sorted one.
        assertEquals(0.6, result.metrics().get("accuracy"), 1e-12, result.toString());
        assertEquals("[[2,1],[1,1]]", result.details().get("confusion").toString());
        assertEquals("[\"spam\",\"ham\"]", result.details().get("labels").toString());
        assertEquals("the classifier's head", result.parameters().get("method"));
    }

    @Test
    void aJudgesUnreadableReplyIsCountedAndLeftOutOfTheMeanAndMalformedRowsAreSkipped() throws Exception {
        String jobId = "judge-" + run;
        EvalResult result = evaluate(jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"judge","datasetId":"alpaca-%s",
                 "judgeModelId":"%s","seed":3}""".formatted(jobId, model, run, judge));
        assertEquals(80.0, result.metrics().get("score"), 1e-12, result.toString());
        assertEquals(1.0, result.metrics().get("unparsed"));
        assertEquals(2.0, result.metrics().get("judged"));
        assertEquals(3, result.examples());
        assertEquals(1, result.skipped(), "the row without an instruction");
    }

    @Test
    void thePairwiseJudgeAsksInBothOrdersSoAPositionBiasBecomesATie() throws Exception {
        String jobId = "pairwise-" + run;
        EvalResult result = evaluate(jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"judge","datasetId":"alpaca-%s",
                 "judgeModelId":"%s","parameters":{"pairwise":true,"baselineModelId":"%s"}}"""
                .formatted(jobId, model, run, judge, baseline));
        // whale: "A" in both orders = inconsistent, a tie; story: alpha both times, a win; captain: unparsed.
        assertEquals(2.0, result.metrics().get("judged"), result.toString());
        assertEquals(1.0, result.metrics().get("unparsed"));
        assertEquals(0.5, result.metrics().get("winRate"), 1e-12);
        assertEquals(0.5, result.metrics().get("tieRate"), 1e-12);
        assertEquals(0.0, result.metrics().get("lossRate"), 1e-12);
        assertEquals(0.5, result.metrics().get("consistency"), 1e-12);
        assertEquals(75.0, result.metrics().get("score"), 1e-12);
    }

    @Test
    void anEvaluationCancelledBeforeItStartsNeverRuns() throws Exception {
        String jobId = "cancelled-" + run;
        KafkaProbe.send(Topics.JOB_CONTROL, jobId, Json.bytes(JobControl.cancel(jobId)));
        KafkaProbe.send(Topics.EVAL_JOBS, jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"perplexity","datasetId":"text-%s"}"""
                .formatted(jobId, model, run));
        List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
        assertEquals(List.of(JobState.CANCELLED), events.stream().map(JobEvent::state).toList(), events.toString());
        assertTrue(!Files.exists(artifacts.path(ArtifactKeys.evalSummary(jobId))), "nothing was published");
    }

    @Test
    void aModelTheReplicasDoNotServeFailsTheJobNamingTheField() throws Exception {
        String gone = "gone-" + run;
        announce(gone);
        String jobId = "gone-eval-" + run;
        // Known to eval-service (the job passes its checks) but not to the replicas.
        awaitPublished(gone, true);
        KafkaProbe.send(Topics.EVAL_JOBS, jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"generation","datasetId":"alpaca-%s"}"""
                .formatted(jobId, gone, run));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, last.state(), last.toString());
        assertEquals("modelId", last.field());
        assertTrue(last.message().contains("does not exist"), last.message());
    }

    @Test
    void generationFiguresAreCoresBleuRougeAndExactMatchOfTheAnswers() throws Exception {
        String jobId = "gen-" + run;
        EvalResult result = evaluate(jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"generation","datasetId":"alpaca-%s"}"""
                .formatted(jobId, writer, run));
        // The rows in order (the one without an instruction skipped), each answered by writerReply, stripped.
        List<String> references = List.of("Moby Dick", "Ahab", "Ishmael");
        List<String> hypotheses = List.of("Moby Dick", "Captain Ahab of the Pequod", "Ishmael tells it");
        assertEquals(3, result.examples(), result.toString());
        assertEquals(1, result.skipped());
        BleuScore bleu = Bleu.corpus(hypotheses, references.stream().map(List::of).toList(), BleuOptions.DEFAULT);
        assertEquals(bleu.score(), result.metrics().get("bleu"), 1e-9, result.toString());
        assertEquals(bleu.signature(), result.details().get("bleuSignature").textValue());
        Rouge rouge = new Rouge(List.of("rouge1", "rouge2", "rougeL"), false);
        for (String type : List.of("rouge1", "rouge2", "rougeL")) {
            double f = 0;
            double precision = 0;
            double recall = 0;
            for (int i = 0; i < references.size(); i++) {
                RougeScore score = rouge.score(references.get(i), hypotheses.get(i)).get(type);
                f += score.fmeasure() / references.size();
                precision += score.precision() / references.size();
                recall += score.recall() / references.size();
            }
            assertEquals(f, result.metrics().get(type), 1e-12, type);
            assertEquals(precision, result.metrics().get(type + "Precision"), 1e-12, type);
            assertEquals(recall, result.metrics().get(type + "Recall"), 1e-12, type);
        }
        double exact = 0;
        for (int i = 0; i < references.size(); i++) {
            exact += ExactMatch.matches(hypotheses.get(i), List.of(references.get(i)), false, false) ? 1 : 0;
        }
        assertEquals(exact / references.size(), result.metrics().get("exactMatch"), 1e-12);
        assertTrue(result.metrics().get("exactMatch") > 0 && result.metrics().get("rougeL") < 1, result.toString());

        // The samples hold the answers and add up to the figures.
        List<EvalSample> samples = new ArrayList<>();
        for (String line : Files.readAllLines(artifacts.path(ArtifactKeys.evalSamples(jobId)))) {
            samples.add(Json.LENIENT.readValue(line, EvalSample.class));
        }
        assertEquals(hypotheses, samples.stream().map(x -> x.output().get("text").textValue()).toList());
        assertEquals(references, samples.stream().map(x -> x.reference().textValue()).toList());
        for (String name : List.of("rouge1", "rouge2", "rougeL", "exactMatch")) {
            double mean = samples.stream().mapToDouble(x -> x.scores().get(name)).sum() / samples.size();
            assertEquals(result.metrics().get(name), mean, 1e-12, name);
        }
    }

    /** A model withdrawn on llm.models while its evaluation runs ends the job FAILED, naming the field. */
    private void withdrawnMidRun(String withdrawn, String field, String job) throws Exception {
        announce(withdrawn);
        awaitPublished(withdrawn, true);
        AtomicBoolean first = new AtomicBoolean(true);
        answers.put(withdrawn, prompt -> {
            // After its first answer (the first batch of 3 of 5 rows is under way) the model is withdrawn.
            if (first.getAndSet(false)) {
                try {
                    KafkaProbe.send(Topics.MODELS, withdrawn, (byte[]) null);
                    awaitPublished(withdrawn, false);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return "one";
        });
        String jobId = "withdrawn-" + withdrawn;
        KafkaProbe.send(Topics.EVAL_JOBS, jobId, job.formatted(jobId));
        List<JobEvent> events = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT);
        JobEvent last = events.getLast();
        assertEquals(JobState.FAILED, last.state(), events.toString());
        assertEquals(field, last.field(), last.toString());
        assertTrue(last.message().contains("'" + withdrawn + "' was withdrawn"), last.message());
        assertTrue(!Files.exists(artifacts.path(ArtifactKeys.evalSummary(jobId))), "nothing was published");
    }

    @Test
    void aModelWithdrawnMidRunFailsTheJobWithTheReason() throws Exception {
        String doomed = "doomed-" + run;
        withdrawnMidRun(doomed, "modelId", """
                {"type":"evaluate","jobId":"%%s","modelId":"%s","task":"generation","datasetId":"long-%s"}"""
                .formatted(doomed, run));
    }

    @Test
    void aJudgeWithdrawnMidRunFailsTheJobWithTheReason() throws Exception {
        String doomed = "doomed-judge-" + run;
        withdrawnMidRun(doomed, "judgeModelId", """
                {"type":"evaluate","jobId":"%%s","modelId":"%s","task":"judge","datasetId":"long-%s",
                 "judgeModelId":"%s"}""".formatted(model, run, doomed));
    }

    @Test
    void aPairwiseBaselineWithdrawnMidRunFailsTheJobWithTheReason() throws Exception {
        String doomed = "doomed-baseline-" + run;
        withdrawnMidRun(doomed, "parameters.baselineModelId", """
                {"type":"evaluate","jobId":"%%s","modelId":"%s","task":"judge","datasetId":"long-%s",
                 "judgeModelId":"%s","parameters":{"pairwise":true,"baselineModelId":"%s"}}"""
                .formatted(model, run, judge, doomed));
    }

    /**
     * A record of an evaluation that already succeeded (a redelivery) is passed over before it is checked: its
     * model has gone since, yet it gets no second terminal event.
     */
    @Test
    void aRedeliveredEvaluationThatSucceededIsNotCheckedOrRunAgain() throws Exception {
        String once = "once-" + run;
        answers.put(once, prompt -> "");
        announce(once);
        awaitPublished(once, true);
        String jobId = "once-eval-" + run;
        String job = """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"perplexity","datasetId":"text-%s",
                 "parameters":{"contextLength":16}}""".formatted(jobId, once, run);
        evaluate(jobId, job);
        KafkaProbe.send(Topics.MODELS, once, (byte[]) null);
        awaitPublished(once, false);
        KafkaProbe.send(Topics.EVAL_JOBS, jobId, job);
        // Same key, so the same partition, after the redelivery: once it has ended, the redelivery was handled.
        String marker = "once-marker-" + run;
        KafkaProbe.send(Topics.EVAL_JOBS, jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"perplexity","datasetId":"text-%s",
                 "parameters":{"contextLength":16}}""".formatted(marker, model, run));
        KafkaProbe.eventsUntilTerminal(marker, TIMEOUT);
        List<JobEvent> events = KafkaProbe.events(KafkaProbe.readUntil(Topics.JOB_EVENTS, TIMEOUT, seen -> true),
                jobId);
        assertEquals(List.of(JobState.SUCCEEDED), events.stream().map(JobEvent::state).filter(JobState::terminal)
                .toList(), events.toString());
    }

    /**
     * An automatic figure is the job's own: a later default-suite job of the model (its weights trained again)
     * is run and replaces it under the model's key, where a figure of another job would have stopped it.
     */
    @Test
    void aNewDefaultSuiteJobReplacesTheModelsEarlierFigure() throws Exception {
        String job = """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"perplexity","datasetId":"text-%s",
                 "suite":"default","parameters":{"contextLength":%d}}""";
        String first = "eval-default-" + model + "-first";
        EvalResult before = evaluate(first, job.formatted(first, model, run, 8));
        String again = "eval-default-" + model + "-again";
        EvalResult after = evaluate(again, job.formatted(again, model, run, 16));
        assertEquals(before.key(), after.key());
        assertEquals(again, service.getBean(EvalResults.class).find(after.key()).orElseThrow().evalId());
    }

    /** Read your writes, and another replica's: a result published a moment ago is known to the next question. */
    @Test
    void aResultAnotherReplicaJustPublishedIsSeenByTheNextQuestion() throws Exception {
        EvalResults results = service.getBean(EvalResults.class);
        for (int i = 0; i < 5; i++) {
            String evalId = "elsewhere-" + i + "-" + run;
            EvalResult elsewhere = new EvalResult(EvalResult.TYPE, EvalResult.SCHEMA_VERSION, evalId, model, null,
                    EvalTask.PERPLEXITY, "text-" + run, Map.of("perplexity", 2.0 + i), null, 1, 0, null, null,
                    Instant.now());
            KafkaProbe.send(Topics.EVAL_RESULTS, elsewhere.key(), Json.bytes(elsewhere));
            assertEquals(evalId, results.find(elsewhere.key()).map(EvalResult::evalId).orElse("nothing"));
        }
        assertEquals("reading", results.state());
    }

    /** A job that fails with requests still at the replicas cancels them there, so they stop generating. */
    @Test
    void theRequestsAJobLeavesInFlightWhenItFailsAreCancelledAtTheReplicas() throws Exception {
        String stuck = "stuck-" + run;
        // The first row fails; the others of its batch are never answered.
        answers.put(stuck, prompt -> prompt.contains("Say one.") ? ScriptedReplica.FAIL : ScriptedReplica.SILENT);
        announce(stuck);
        awaitPublished(stuck, true);
        String jobId = "stuck-eval-" + run;
        KafkaProbe.send(Topics.EVAL_JOBS, jobId, """
                {"type":"evaluate","jobId":"%s","modelId":"%s","task":"generation","datasetId":"long-%s"}"""
                .formatted(jobId, stuck, run));
        JobEvent last = KafkaProbe.eventsUntilTerminal(jobId, TIMEOUT).getLast();
        assertEquals(JobState.FAILED, last.state(), last.toString());
        assertEquals("modelId", last.field());
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        // How many of the batch's other rows were sent before the failure ended the job depends on timing; every
        // one that was must be cancelled.
        while (!(!replica.silent().isEmpty() && replica.cancelled().containsAll(replica.silent()))) {
            assertTrue(System.nanoTime() < deadline, "in flight " + replica.silent() + ", cancelled "
                    + replica.cancelled());
            Thread.sleep(20);
        }
    }
}
