package dev.llmmesh.core.generate;

import ai.djl.Device;
import dev.llmmesh.core.model.GptModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.llmmesh.core.generate.GenerationTest.CONFIG;
import static dev.llmmesh.core.generate.GenerationTest.TEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchDecoderTest {
    private record Job(int[] prompt, SamplingParams params, long seed) {
    }

    private static final List<Job> JOBS = List.of(
            new Job(new int[] {5, 17, 42, 8, 61, 3, 9}, SamplingParams.builder().maxTokens(14).logprobs(3).build(), 1),
            new Job(new int[] {11}, SamplingParams.builder().maxTokens(4).temperature(0.8).topP(0.9).logprobs(3)
                    .build(), 2),
            new Job(new int[] {2, 90, 33}, SamplingParams.greedy(12).toBuilder().logprobs(3).build(), 3),
            new Job(new int[] {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, SamplingParams.builder().maxTokens(9).topK(10)
                    .repetitionPenalty(1.3).logprobs(3).echo(true).build(), 4),
            new Job(new int[] {40, 41}, SamplingParams.builder().maxTokens(10).minP(0.05).logprobs(3).build(), 5));

    @Test
    void batchedOutputEqualsEachSequenceDecodedAlone() {
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 41)) {
            List<SequenceOutput> alone = new ArrayList<>();
            for (Job job : JOBS) {
                try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength())) {
                    decoder.submit(job.prompt(), job.params(), job.seed());
                    alone.add(GenerationTest.drain(decoder).getFirst());
                }
            }

            Map<Long, SequenceOutput> batched = new HashMap<>();
            Map<Long, Integer> jobOf = new HashMap<>();
            Map<Long, StringBuilder> streamed = new HashMap<>();
            int maxRunning = 0;
            List<String> slotHistory = new ArrayList<>();
            // room for 3 at a time: jobs 0-2 start together; job 1 leaves after 4 tokens, so slots {0, 2} decode
            // alone for a while (not a run of slots: the gathered path); jobs 3 and 4 join at step 5, 3 into slot
            // 1, 4 waiting for the next free slot
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 3, CONFIG.contextLength())) {
                for (int j = 0; j < 3; j++) {
                    jobOf.put(decoder.submit(JOBS.get(j).prompt(), JOBS.get(j).params(), JOBS.get(j).seed()), j);
                }
                for (int step = 0; !decoder.idle(); step++) {
                    slotHistory.add(java.util.Arrays.toString(decoder.runningSlots()));
                    if (step == 5) {
                        for (int j = 3; j < 5; j++) {
                            jobOf.put(decoder.submit(JOBS.get(j).prompt(), JOBS.get(j).params(), JOBS.get(j).seed()),
                                    j);
                        }
                    }
                    int before = decoder.runningCount();
                    List<StepEvent> events = decoder.step();
                    maxRunning = Math.max(maxRunning, decoder.runningCount());
                    assertTrue(events.size() >= before, "every running sequence gets a token each step");
                    for (StepEvent e : events) {
                        streamed.computeIfAbsent(e.sequence(), k -> new StringBuilder()).append(e.text());
                        if (e.finished()) {
                            batched.put(e.sequence(), e.output());
                        }
                    }
                }
            }
            assertEquals(3, maxRunning);
            assertEquals(5, batched.size());
            for (var entry : batched.entrySet()) {
                int j = jobOf.get(entry.getKey());
                SequenceOutput b = entry.getValue();
                SequenceOutput a = alone.get(j);
                assertArrayEquals(a.tokens(), b.tokens(), "job " + j);
                assertEquals(a.text(), b.text(), "job " + j);
                assertEquals(a.text(), streamed.get(entry.getKey()).toString(), "job " + j + " streamed");
                assertEquals(a.finish(), b.finish());
                for (int i = 0; i < a.logprobs().size(); i++) {
                    TokenLogprob x = a.logprobs().get(i);
                    TokenLogprob y = b.logprobs().get(i);
                    assertEquals(x.logprob(), y.logprob(), 1e-4, "job " + j + " token " + i);
                    for (int k = 0; k < x.top().size(); k++) {
                        assertEquals(x.top().get(k).logprob(), y.top().get(k).logprob(), 1e-4);
                    }
                }
                if (a.promptLogprobs() != null) {
                    for (int t = 1; t < a.promptLogprobs().size(); t++) {
                        assertEquals(a.promptLogprobs().get(t).logprob(), b.promptLogprobs().get(t).logprob(), 1e-4);
                    }
                }
            }
            assertTrue(slotHistory.contains("[0, 2]"), slotHistory.toString());
            assertTrue(slotHistory.contains("[2]"), "a run that does not start at slot 0: " + slotHistory);
        }
    }

    @Test
    void samplesOfOnePromptShareOnePrefillAndStillMatchDecodingAlone() {
        int[] prompt = {5, 17, 42, 8, 61, 3, 9, 33};
        SamplingParams sampled = SamplingParams.builder().maxTokens(10).temperature(0.9).logprobs(2).build();
        SamplingParams echoed = sampled.toBuilder().echo(true).build();
        // three samples, then two echoes of the same prompt (another kind of prefill: not shared with the samples)
        List<Job> jobs = List.of(new Job(prompt, sampled, 11), new Job(prompt, sampled, 12),
                new Job(prompt, sampled, 13), new Job(prompt, echoed, 14), new Job(prompt, echoed, 15));
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 43)) {
            List<SequenceOutput> alone = new ArrayList<>();
            for (Job job : jobs) {
                try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength())) {
                    decoder.submit(job.prompt(), job.params(), job.seed());
                    alone.add(GenerationTest.drain(decoder).getFirst());
                }
            }
            try (BatchDecoder decoder = new BatchDecoder(model, TEXT, 5, CONFIG.contextLength())) {
                Map<Long, Integer> jobOf = new HashMap<>();
                for (int j = 0; j < jobs.size(); j++) {
                    jobOf.put(decoder.submit(jobs.get(j).prompt(), jobs.get(j).params(), jobs.get(j).seed()), j);
                }
                List<SequenceOutput> outputs = GenerationTest.drain(decoder);
                assertEquals(3, decoder.promptsShared(), "samples 2 and 3 copy sample 1; echo 2 copies echo 1");
                assertEquals(2L * prompt.length, decoder.promptTokensComputed(), "one prefill per kind");
                for (SequenceOutput out : outputs) {
                    SequenceOutput a = alone.get(jobOf.get(out.sequence()));
                    assertArrayEquals(a.tokens(), out.tokens(), "job " + jobOf.get(out.sequence()));
                    assertEquals(a.logprobs().getFirst().logprob(), out.logprobs().getFirst().logprob(), 1e-4);
                    if (a.promptLogprobs() != null) {
                        assertEquals(a.promptLogprobs().getLast().logprob(), out.promptLogprobs().getLast().logprob(),
                                1e-4);
                    }
                }
                java.util.Set<String> distinct = new java.util.HashSet<>();
                outputs.forEach(o -> distinct.add(java.util.Arrays.toString(o.tokens())));
                assertTrue(distinct.size() > 1, "seeded samples differ: " + distinct);
            }
        }
    }

    @Test
    void aSampleThatEndsOnItsFirstTokenIsNotCopiedFrom() {
        int[] prompt = {4, 8, 15, 16, 23, 42};
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 47);
             BatchDecoder decoder = new BatchDecoder(model, TEXT, 2, CONFIG.contextLength())) {
            decoder.submit(prompt, SamplingParams.greedy(1), 1);
            decoder.submit(prompt, SamplingParams.greedy(1), 2);
            decoder.submit(prompt, SamplingParams.greedy(5), 3);
            List<SequenceOutput> outputs = GenerationTest.drain(decoder);
            assertEquals(3, outputs.size());
            assertEquals(0, decoder.promptsShared(), "each first sample ended (and freed its slot) on its first token");
            assertEquals(3L * prompt.length, decoder.promptTokensComputed());
            int[] greedyFirst = outputs.getFirst().tokens();
            for (SequenceOutput out : outputs) {
                assertEquals(greedyFirst[0], out.tokens()[0]);
            }
        }
    }

    @Test
    void aCancelledSequenceLeavesAndFreesItsSlot() {
        try (GptModel model = GptModel.initialize(CONFIG, Device.cpu(), 41);
             BatchDecoder decoder = new BatchDecoder(model, TEXT, 1, CONFIG.contextLength())) {
            long first = decoder.submit(new int[] {1, 2}, SamplingParams.greedy(20), 0);
            long second = decoder.submit(new int[] {3}, SamplingParams.greedy(2), 0);
            decoder.step();
            decoder.step();
            assertEquals(1, decoder.runningCount());
            assertEquals(1, decoder.waitingCount(), "one slot: the second waits");
            SequenceOutput cancelled = decoder.cancel(first).orElseThrow();
            assertEquals(FinishReason.CANCELLED, cancelled.finish());
            assertEquals(2, cancelled.tokens().length);
            assertFalse(decoder.cancel(first).isPresent());
            List<StepEvent> events = decoder.step();
            assertEquals(1, events.size());
            assertEquals(second, events.getFirst().sequence());
            assertEquals(2, GenerationTest.drain(decoder).getFirst().tokens().length);
        }
    }
}
