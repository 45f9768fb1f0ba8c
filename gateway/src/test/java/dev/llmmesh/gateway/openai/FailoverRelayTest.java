package dev.llmmesh.gateway.openai;

import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.core.tokenizer.Gpt2Vocabulary;
import dev.llmmesh.core.tokenizer.Tokenizer;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionChunk.TokenInfo;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replica dies mid-stream and another answers the request again from its first token, cutting the same tokens
 * into other chunks (chunks are cut by count or by time). The client must get the undisturbed answer exactly:
 * every token once, the text byte for byte, characters split across tokens included, the echo and the finish
 * once.
 */
class FailoverRelayTest {
    /** Characters of 2, 3 and 4 UTF-8 bytes, which GPT-2's byte-level tokens split. */
    private static final String ANSWER = " Call me Ishmael 🐋. Some years ago — never mind how long — naïve café 東京へ"
            + " 🐳🐳 the whale! ¿Qué? Ωμέγα… 🦑 ends.";
    private static final Tokenizer GPT2 = Gpt2Vocabulary.gpt2();

    private final MockProducer<String, byte[]> producer = new MockProducer<>(true, new StringSerializer(),
            new ByteArraySerializer());
    private final InferenceRelay relay = new InferenceRelay();
    private final InferenceClient client = new InferenceClient(producer, relay, Duration.ofSeconds(30),
            Duration.ofSeconds(30));

    FailoverRelayTest() {
        relay.onPartitionsAssigned(List.of(new TopicPartition("llm.inference.events", 0)));
    }

    @Test
    void theAnswerSplitsCharactersAcrossTokens() {
        int[] ids = GPT2.encode(ANSWER);
        long split = Arrays.stream(ids).filter(id -> !validUtf8(GPT2.decodeBytes(new int[] {id}))).count();
        assertTrue(split >= 4, "tokens holding part of a character: " + split);
    }

    @Test
    void aTakeOverThatCutsTheSameTokensDifferentlyIsRelayedByteForByte() {
        int[] ids = GPT2.encode(ANSWER);
        List<Step> steps = steps(ids);
        SplittableRandom random = new SplittableRandom(10);
        // Every point of death, with cuts drawn anew each time: mid-character too, and before the first chunk.
        for (int k = 0; k <= ids.length; k++) {
            int killedAfter = k;
            CompletionRequest request = request();
            var answer = client.complete(request).collectList().toFuture();
            List<CompletionChunk> first = chunks(request.requestId(), "replica-a", steps, random);
            first.stream().filter(c -> c.offset() + c.tokens().size() <= killedAfter && !c.last())
                    .forEach(c -> relay.receive(record(c)));
            chunks(request.requestId(), "replica-b", steps, random).forEach(c -> relay.receive(record(c)));
            List<CompletionChunk> relayed = answer.join();

            String text = relayed.stream().map(CompletionChunk::text).collect(Collectors.joining());
            assertArrayEquals(ANSWER.getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8),
                    "killed after " + killedAfter + " tokens: " + text);
            assertEquals(Arrays.stream(ids).boxed().toList(), relayed.stream()
                    .flatMap(c -> c.tokens().stream().map(TokenInfo::id)).toList(), "every token once, in order");
            assertEquals(1, relayed.stream().filter(c -> c.echo() != null).count(), "the echo once");
            assertEquals(List.of("length"), relayed.stream().map(CompletionChunk::finishReason)
                    .filter(f -> f != null).toList(), "the finish once");
            for (int i = 0; i < relayed.size(); i++) {
                assertEquals(i, relayed.get(i).seq(), "the client's chunks numbered from 0, in order");
            }
        }
    }

    /** What a replica's decoder releases per token: text only once its characters are whole (an oracle of its own). */
    private record Step(int token, String text) {
    }

    private static List<Step> steps(int[] ids) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer pending = ByteBuffer.allocate(64);
        List<Step> steps = new ArrayList<>();
        for (int id : ids) {
            pending.put(GPT2.decodeBytes(new int[] {id})).flip();
            CharBuffer out = CharBuffer.allocate(64);
            utf8.decode(pending, out, false);
            pending.compact();
            steps.add(new Step(id, out.flip().toString()));
        }
        assertEquals(0, pending.position(), "the answer ends on a whole character");
        assertEquals(ANSWER, steps.stream().map(Step::text).collect(Collectors.joining()));
        return steps;
    }

    /** A replica's chunks of the whole answer, cut at random sizes (1-7 tokens). */
    private static List<CompletionChunk> chunks(String requestId, String replica, List<Step> steps,
                                                SplittableRandom random) {
        List<Integer> sizes = new ArrayList<>();
        for (int left = steps.size(); left > 0; ) {
            int size = Math.min(left, random.nextInt(1, 8));
            sizes.add(size);
            left -= size;
        }
        return cut(requestId, replica, steps, sizes.stream().mapToInt(Integer::intValue).toArray());
    }

    /** As ChoiceStream cuts them: each chunk says where its tokens and its text start; the last one ends the choice. */
    private static List<CompletionChunk> cut(String requestId, String replica, List<Step> steps, int[] sizes) {
        List<CompletionChunk> chunks = new ArrayList<>();
        int at = 0;
        int textAt = 0;
        for (int c = 0; c < sizes.length; c++) {
            List<Step> part = steps.subList(at, at + sizes[c]);
            String text = part.stream().map(Step::text).collect(Collectors.joining());
            boolean last = c == sizes.length - 1;
            List<TokenInfo> echo = c == 0 ? List.of(new TokenInfo(1, "Call", null, null)) : null;
            chunks.add(new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, requestId, 0, c, at,
                    textAt, replica, echo, part.stream().map(s -> new TokenInfo(s.token(), "t", -1f, null)).toList(),
                    text, last ? "length" : null, last ? new CompletionChunk.Usage(1, steps.size()) : null, null));
            at += sizes[c];
            textAt += text.codePointCount(0, text.length());
        }
        return chunks;
    }

    private static boolean validUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    private static ConsumerRecord<String, byte[]> record(CompletionChunk chunk) {
        return new ConsumerRecord<>("llm.inference.events", 0, 0, chunk.requestId(), Json.bytes(chunk));
    }

    private static CompletionRequest request() {
        return new CompletionRequest(InferenceCommand.SCHEMA_VERSION, "cmpl-failover-" + System.nanoTime(), null, "m",
                "Call", null, SamplingParams.builder().maxTokens(100).seed(1L).echo(true).build(), false, null,
                Instant.now().plusSeconds(60), true);
    }
}
