package dev.llmmesh.inference.engine;

import ai.djl.Device;
import dev.llmmesh.core.finetune.Classified;
import dev.llmmesh.core.finetune.ClassifierModel;
import dev.llmmesh.core.finetune.Pooling;
import dev.llmmesh.core.finetune.Truncation;
import dev.llmmesh.core.model.GptConfig;
import dev.llmmesh.core.model.GptModel;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.mesh.inference.Classification;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.InferenceCommand;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Classify requests waiting together are labeled in one forward, each answered alone, as one at a time would be. */
class ClassifyLoopTest {
    private static final GptConfig SMALL = new GptConfig(50257, 32, 16, 1, 2, 0.0, 1e-5);
    private static final Tokenizer GPT2 = Gpt2Vocabulary.gpt2();
    private static final List<String> LABELS = List.of("ham", "spam");

    private static EngineCommand.Classify classify(String id, List<String> texts, CountDownLatch answered) {
        var request = new ClassifyRequest(InferenceCommand.SCHEMA_VERSION, id, "m", texts,
                Instant.now().plusSeconds(60));
        return new EngineCommand.Classify(request, new Ticket() {
            @Override
            public int partition() {
                return 0;
            }

            @Override
            public void answered() {
                answered.countDown();
            }
        }, Context.root(), System.nanoTime());
    }

    @Test
    void requestsWaitingTogetherShareOneForwardAndGetTheirOwnItems() throws Exception {
        Map<String, CompletionChunk> chunks = new ConcurrentHashMap<>();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        BlockingQueue<EngineCommand> inbox = new LinkedBlockingQueue<>();
        EngineState state = new EngineState();
        var loop = new ClassifyLoop("m", "r1", inbox, state, new Outbox(chunk -> {
            chunks.put(chunk.requestId(), chunk);
            return CompletableFuture.completedFuture(null);
        }, "r1"), new InferenceMetrics(meters), Deadlines.SYSTEM);
        CountDownLatch answered = new CountDownLatch(2);
        List<String> first = List.of("Win a free cruise", "See you at lunch");
        List<String> second = List.of("Your invoice is attached for the order you placed on Monday");
        // Both in the inbox before the loop looks: one forward for the three texts.
        inbox.add(classify("a", first, answered));
        inbox.add(classify("b", second, answered));

        try (ClassifierModel model = ClassifierModel.fromBase(GptModel.initialize(SMALL, Device.cpu(), 3), LABELS, 8,
                50256, Pooling.DEFAULT, Truncation.DEFAULT, 9)) {
            Thread serving = Thread.ofPlatform().start(() -> loop.serve(model, GPT2));
            assertTrue(answered.await(60, TimeUnit.SECONDS), "both requests answered");
            state.stop();
            serving.join(10_000);

            assertEquals(1.0, meters.get("llm.inference.classify.forwards").counter().count());
            assertEquals(3.0, meters.get("llm.inference.classify.inputs").counter().count());
            // Alone, each request gives the same numbers: padding to a longer neighbour changes nothing.
            for (var expected : List.of(Map.entry("a", first), Map.entry("b", second))) {
                List<int[]> ids = new ArrayList<>();
                expected.getValue().forEach(t -> ids.add(GPT2.encodeOrdinary(t)));
                List<Classified> alone = model.classify(ids);
                List<Classification> items = chunks.get(expected.getKey()).classified();
                assertEquals(alone.size(), items.size());
                for (int i = 0; i < alone.size(); i++) {
                    assertEquals(i, items.get(i).index());
                    assertEquals(LABELS.get(alone.get(i).label()), items.get(i).label());
                    assertEquals(alone.get(i).tokens(), items.get(i).tokens());
                    assertEquals(alone.get(i).truncated(), items.get(i).truncated());
                    for (int k = 0; k < LABELS.size(); k++) {
                        assertEquals(alone.get(i).probabilities()[k], items.get(i).probabilities().get(LABELS.get(k)),
                                1e-5);
                    }
                }
            }
            assertTrue(chunks.get("b").classified().getFirst().truncated(), "the invoice mail is over 8 tokens");
        }
    }

    /** Runs a loop with the given budget over commands all queued before it starts, until every one is answered. */
    private static Map<String, CompletionChunk> serveAll(ClassifierModel model, ClassifyBudget budget,
                                                         SimpleMeterRegistry meters, Map<String, List<String>> requests)
            throws InterruptedException {
        Map<String, CompletionChunk> chunks = new ConcurrentHashMap<>();
        BlockingQueue<EngineCommand> inbox = new LinkedBlockingQueue<>();
        EngineState state = new EngineState();
        var loop = new ClassifyLoop("m", "r1", inbox, state, new Outbox(chunk -> {
            chunks.put(chunk.requestId(), chunk);
            return CompletableFuture.completedFuture(null);
        }, "r1"), new InferenceMetrics(meters), Deadlines.SYSTEM, budget);
        CountDownLatch answered = new CountDownLatch(requests.size());
        requests.forEach((id, texts) -> inbox.add(classify(id, texts, answered)));
        Thread serving = Thread.ofPlatform().start(() -> loop.serve(model, GPT2));
        assertTrue(answered.await(120, TimeUnit.SECONDS), "every request answered");
        state.stop();
        serving.join(10_000);
        return chunks;
    }

    private static List<String> texts(String prefix, int count) {
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            texts.add(prefix + " number " + i + (i % 3 == 0 ? " with a few more words after it" : ""));
        }
        return texts;
    }

    @Test
    void aRoundOverTheTokenBudgetRunsInMicroBatchesAndEachRequestGetsWhatItGetsAlone() throws Exception {
        // 16 tokens per forward: texts of up to 8 tokens run two or more to a forward, never all together
        ClassifyBudget budget = new ClassifyBudget(16, Long.MAX_VALUE);
        Map<String, List<String>> requests = new LinkedHashMap<>();
        requests.put("a", List.of("Win a free cruise now", "See you at lunch"));
        requests.put("b", List.of("Your invoice is attached for the order you placed on Monday", "ok", "Call me"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ClassifierModel model = ClassifierModel.fromBase(GptModel.initialize(SMALL, Device.cpu(), 3), LABELS, 8,
                50256, Pooling.DEFAULT, Truncation.DEFAULT, 9)) {
            Map<String, CompletionChunk> chunks = serveAll(model, budget, meters, requests);

            List<int[]> all = new ArrayList<>();
            requests.values().forEach(texts -> texts.forEach(t -> all.add(GPT2.encodeOrdinary(t))));
            int[] lengths = all.stream().mapToInt(ids -> Math.min(ids.length, 8)).toArray();
            int forwards = budget.cut(lengths, SMALL).size();
            assertTrue(forwards >= 2, "the five texts need several forwards: " + forwards);
            assertEquals(forwards, meters.get("llm.inference.classify.forwards").counter().count());
            assertEquals(5.0, meters.get("llm.inference.classify.inputs").counter().count());
            for (var request : requests.entrySet()) {
                List<int[]> ids = new ArrayList<>();
                request.getValue().forEach(t -> ids.add(GPT2.encodeOrdinary(t)));
                List<Classified> alone = model.classify(ids);
                List<Classification> items = chunks.get(request.getKey()).classified();
                assertEquals(alone.size(), items.size());
                for (int i = 0; i < alone.size(); i++) {
                    assertEquals(i, items.get(i).index());
                    assertEquals(alone.get(i).tokens(), items.get(i).tokens());
                    for (int k = 0; k < LABELS.size(); k++) {
                        assertEquals(alone.get(i).probabilities()[k], items.get(i).probabilities().get(LABELS.get(k)),
                                1e-5);
                    }
                }
            }
        }
    }

    @Test
    void aRoundTakesWholeRequestsUpTo256Inputs() throws Exception {
        try (ClassifierModel model = ClassifierModel.fromBase(GptModel.initialize(SMALL, Device.cpu(), 3), LABELS, 8,
                50256, Pooling.DEFAULT, Truncation.DEFAULT, 9)) {
            // exactly 256: one round, and short texts fit one forward of the standard budget
            SimpleMeterRegistry exact = new SimpleMeterRegistry();
            Map<String, List<String>> twoHalves = new LinkedHashMap<>();
            twoHalves.put("a", texts("first", 128));
            twoHalves.put("b", texts("second", 128));
            Map<String, CompletionChunk> chunks = serveAll(model, ClassifyBudget.STANDARD, exact, twoHalves);
            assertEquals(1.0, exact.get("llm.inference.classify.forwards").counter().count());
            assertEquals(128, chunks.get("b").classified().size());

            // 200 + 100 + 56: the second request would pass 256, so it opens the next round, which the third joins
            SimpleMeterRegistry over = new SimpleMeterRegistry();
            Map<String, List<String>> three = new LinkedHashMap<>();
            three.put("a", texts("first", 200));
            three.put("b", texts("second", 100));
            three.put("c", texts("third", 56));
            Map<String, CompletionChunk> answers = serveAll(model, ClassifyBudget.STANDARD, over, three);
            assertEquals(2.0, over.get("llm.inference.classify.forwards").counter().count());
            assertEquals(356.0, over.get("llm.inference.classify.inputs").counter().count());
            three.forEach((id, texts) -> assertEquals(texts.size(), answers.get(id).classified().size(), id));
        }
    }
}
