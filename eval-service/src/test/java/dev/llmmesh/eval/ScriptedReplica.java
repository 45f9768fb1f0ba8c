package dev.llmmesh.eval;

import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.inference.CancelCompletion;
import dev.llmmesh.mesh.inference.Classification;
import dev.llmmesh.mesh.inference.ClassifyRequest;
import dev.llmmesh.mesh.inference.CompletionChunk;
import dev.llmmesh.mesh.inference.CompletionChunk.InferenceError;
import dev.llmmesh.mesh.inference.CompletionChunk.TokenInfo;
import dev.llmmesh.mesh.inference.CompletionRequest;
import dev.llmmesh.mesh.inference.InferenceCommand;
import dev.llmmesh.testkit.MeshInfra;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An inference replica with scripted answers, on the real broker, speaking the replicas' protocol: prompt tokens
 * are echoed with the log probability {@link #logprob} of each token (so a test knows every figure in advance),
 * generations are what {@code answers} says for the model and prompt, an unknown model is a 404, and a model's
 * first request is answered {@code model_loading} once (as a replica loading it does). An answer of {@link #SILENT}
 * is never sent (the request stays at the replica, see {@link #silent}), one of {@link #FAIL} is a 500; the
 * cancels it reads are in {@link #cancelled}. A classifier ({@link #classifiers}) labels a text with its first label
 * when the text says "win", else with its second.
 */
final class ScriptedReplica implements AutoCloseable {
    static final String SILENT = "<silent>";
    static final String FAIL = "<fail>";

    private final Map<String, Function<String, String>> answers;
    private final Map<String, List<String>> classifiers = new ConcurrentHashMap<>();
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final Set<String> loaded = ConcurrentHashMap.newKeySet();
    private final Set<Object> assigned = ConcurrentHashMap.newKeySet();
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final Thread thread;
    private volatile boolean running = true;

    /** @param answers by model id: the generated text for a prompt */
    ScriptedReplica(Map<String, Function<String, String>> answers) {
        this.answers = answers;
        String bootstrap = MeshInfra.get().kafkaBootstrapServers();
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "scripted-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"), new StringDeserializer(),
                new ByteArrayDeserializer());
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new ByteArraySerializer());
        consumer.subscribe(List.of(Topics.INFERENCE_REQUESTS));
        thread = Thread.ofPlatform().daemon().name("scripted-replica").start(this::run);
    }

    /** The scripted log probability of {@code token} wherever it stands. */
    static float logprob(int token) {
        return -(0.25f + (token % 10) * 0.5f);
    }

    /** Classifier model id to its labels: the classify requests it answers. */
    Map<String, List<String>> classifiers() {
        return classifiers;
    }

    /** Ids of the requests answered {@link #SILENT}: still in flight as far as their sender knows. */
    Set<String> silent() {
        return silent;
    }

    /** Ids of the requests a {@code CancelCompletion} was read for. */
    Set<String> cancelled() {
        return cancelled;
    }

    /** Blocks until the consumer has its partitions, so no request sent afterwards is missed. */
    ScriptedReplica awaitAssigned() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (assigned.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return this;
    }

    private void run() {
        try {
            while (running) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    InferenceCommand command = Json.LENIENT.readValue(record.value(), InferenceCommand.class);
                    if (command instanceof CompletionRequest request) {
                        answer(request);
                    } else if (command instanceof ClassifyRequest request) {
                        classify(request);
                    } else if (command instanceof CancelCompletion cancel) {
                        cancelled.add(cancel.requestId());
                    }
                }
                assigned.addAll(consumer.assignment());
            }
        } catch (WakeupException e) {
            // closing
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            consumer.close();
        }
    }

    private void answer(CompletionRequest request) {
        Function<String, String> model = answers.get(request.modelId());
        if (model == null) {
            send(request, null, null, null, new InferenceError(404, "model_not_found", "model", "The model '"
                    + request.modelId() + "' does not exist"));
            return;
        }
        if (loaded.add(request.modelId())) {
            send(request, null, null, null, new InferenceError(503, InferenceError.MODEL_LOADING, "model",
                    "loading", 1));
            return;
        }
        if (request.promptTokens() != null) {
            List<TokenInfo> echo = new ArrayList<>();
            for (int i = 0; i < request.promptTokens().size(); i++) {
                int token = request.promptTokens().get(i);
                echo.add(new TokenInfo(token, null, i == 0 ? null : logprob(token), null));
            }
            send(request, echo, List.of(), "", null);
        } else {
            String text = model.apply(request.prompt());
            if (SILENT.equals(text)) {
                silent.add(request.requestId());
            } else if (FAIL.equals(text)) {
                send(request, null, null, null, new InferenceError(500, "internal_error", null, "scripted failure"));
            } else {
                send(request, null, List.of(new TokenInfo(1, "x", null, null)), text, null);
            }
        }
    }

    private void classify(ClassifyRequest request) {
        List<String> labels = classifiers.get(request.modelId());
        if (labels == null) {
            send(request.requestId(), null, null, new InferenceError(404, "model_not_found", "model", "no classifier '"
                    + request.modelId() + "'"));
            return;
        }
        if (loaded.add(request.modelId())) {
            send(request.requestId(), null, null, new InferenceError(503, InferenceError.MODEL_LOADING, "model",
                    "loading", 1));
            return;
        }
        List<Classification> items = new ArrayList<>();
        for (int i = 0; i < request.inputs().size(); i++) {
            int label = request.inputs().get(i).contains("win") ? 0 : 1;
            Map<String, Float> probabilities = new LinkedHashMap<>();
            for (int k = 0; k < labels.size(); k++) {
                probabilities.put(labels.get(k), k == label ? 0.875f : 0.125f / (labels.size() - 1));
            }
            items.add(new Classification(i, labels.get(label), probabilities, 3, false));
        }
        send(request.requestId(), items, new CompletionChunk.Usage(3 * items.size(), 0), null);
    }

    private void send(String requestId, List<Classification> items, CompletionChunk.Usage usage,
                      InferenceError error) {
        var chunk = new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, requestId, 0, 0, 0, 0,
                "scripted", null, null, null, null, usage, error, items);
        producer.send(new ProducerRecord<>(Topics.INFERENCE_EVENTS, requestId, Json.bytes(chunk)));
    }

    private void send(CompletionRequest request, List<TokenInfo> echo, List<TokenInfo> tokens, String text,
                      InferenceError error) {
        var chunk = new CompletionChunk(CompletionChunk.TYPE, InferenceCommand.SCHEMA_VERSION, request.requestId(),
                0, 0, 0, 0, "scripted", echo, tokens, text, error == null ? "stop" : null,
                error == null ? new CompletionChunk.Usage(0, 0) : null, error);
        producer.send(new ProducerRecord<>(Topics.INFERENCE_EVENTS, request.requestId(), Json.bytes(chunk)));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
        producer.close();
    }
}
