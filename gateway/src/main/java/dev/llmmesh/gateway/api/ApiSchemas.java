package dev.llmmesh.gateway.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.llmmesh.core.generate.SamplingParams;
import dev.llmmesh.mesh.inference.CompletionRequest;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/**
 * The request bodies of the API (and the answers the gateway relays from tokenizer-service) as the OpenAPI document describes them. The controllers read their bodies field
 * by field (so every error names the field), which the generator cannot see; these records are what it reads
 * instead. {@code OpenApiContractTest} sends requests built from them to a running gateway, so a field added to a
 * controller but not here shows up as a refused request.
 */
public final class ApiSchemas {
    private ApiSchemas() {
    }

    @Schema(name = "CompletionRequest", description = "OpenAI's legacy completion request")
    public record Completion(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "tiny", description = "a published model id (GET /v1/models)")
            String model,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Call me Ishmael.",
                    oneOf = {String.class, String[].class, int[].class, int[][].class},
                    description = "a string, an array of strings, an array of token ids, or an array of arrays of "
                            + "token ids; several prompts answer as one response, choices prompt-major "
                            + "(index = prompt * n + choice)")
            Object prompt,
            @JsonProperty("max_tokens") @Schema(minimum = "0", example = "16", description = "default 16") Integer maxTokens,
            @Schema(minimum = "0", maximum = "" + SamplingParams.MAX_LOGPROBS, description = "alternatives per token")
            Integer logprobs,
            @Schema(description = "prepend the prompt to the text") Boolean echo,
            @Schema(minimum = "0", maximum = "2", example = "1.0") Double temperature,
            @JsonProperty("top_p") @Schema(minimum = "0", maximum = "1") Double topP,
            @JsonProperty("top_k") @Schema(minimum = "0", description = "extension: 0 = off") Integer topK,
            @JsonProperty("min_p") @Schema(minimum = "0", maximum = "1", description = "extension") Double minP,
            @JsonProperty("repetition_penalty") @Schema(description = "extension") Double repetitionPenalty,
            @JsonProperty("presence_penalty") @Schema(minimum = "-2", maximum = "2") Double presencePenalty,
            @JsonProperty("frequency_penalty") @Schema(minimum = "-2", maximum = "2") Double frequencyPenalty,
            @Schema(minimum = "1", maximum = "" + CompletionRequest.MAX_N) Integer n,
            @Schema(description = "true: server-sent events") Boolean stream,
            @JsonProperty("stream_options") StreamOptions streamOptions,
            @Schema(description = "a string or an array of up to 4 strings") List<String> stop,
            Long seed,
            String user,
            @JsonProperty("conversation_id") @Schema(description = "extension: requests of one conversation go to one replica")
            String conversationId) {
    }

    @Schema(name = "ChatCompletionRequest", description = "OpenAI's chat completion request")
    public record ChatCompletion(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "tiny") String model,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, minLength = 1) List<ChatMessage> messages,
            @JsonProperty("max_tokens") @Schema(minimum = "0", description = "default: up to the model's context") Integer maxTokens,
            @JsonProperty("max_completion_tokens") @Schema(minimum = "0") Integer maxCompletionTokens,
            Boolean logprobs,
            @JsonProperty("top_logprobs") @Schema(minimum = "0", maximum = "" + SamplingParams.MAX_LOGPROBS)
            Integer topLogprobs,
            @Schema(minimum = "0", maximum = "2") Double temperature,
            @JsonProperty("top_p") @Schema(minimum = "0", maximum = "1") Double topP,
            @JsonProperty("top_k") @Schema(minimum = "0") Integer topK,
            @JsonProperty("min_p") @Schema(minimum = "0", maximum = "1") Double minP,
            @JsonProperty("repetition_penalty") Double repetitionPenalty,
            @JsonProperty("presence_penalty") @Schema(minimum = "-2", maximum = "2") Double presencePenalty,
            @JsonProperty("frequency_penalty") @Schema(minimum = "-2", maximum = "2") Double frequencyPenalty,
            @Schema(minimum = "1", maximum = "" + CompletionRequest.MAX_N) Integer n,
            Boolean stream,
            @JsonProperty("stream_options") StreamOptions streamOptions,
            List<String> stop,
            Long seed,
            String user,
            @JsonProperty("conversation_id") String conversationId) {
    }

    @Schema(name = "ChatMessage")
    public record ChatMessage(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = {"system", "developer", "user", "assistant"},
                    example = "user") String role,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Who is Ishmael?") String content) {
    }

    @Schema(name = "StreamOptions")
    public record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage) {
    }

    @Schema(name = "TokenizeRequest")
    public record Tokenize(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "gpt2") String tokenizerId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Hello world") String text,
            @Schema(description = "\"all\" or an array of special token strings that may appear in text") Object allowedSpecial) {
    }

    @Schema(name = "DetokenizeRequest")
    public record Detokenize(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "gpt2") String tokenizerId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "[15496, 995]") List<Integer> tokens) {
    }

    @Schema(name = "TrainTokenizerRequest", description = "POST /v1/tokenizers: a train-tokenizer job (no type)")
    public record TrainTokenizer(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "moby") String datasetId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "4096") Integer vocabSize,
            @Schema(description = "default: the job id") String tokenizerId,
            @Schema(description = "default 2") Integer minFrequency,
            @Schema(description = "default [\"<|endoftext|>\"]") List<String> specialTokens,
            @Schema(description = "default: a fresh id") String jobId) {
    }

    /** POST /v1/jobs takes one of these, told apart by {@code type}; an unknown field is refused, naming it. */
    @Schema(name = "JobRequest", description = "POST /v1/jobs: a job of one of the types, told apart by `type`",
            oneOf = {TrainTokenizerJob.class, TokenizeDatasetJob.class, PretrainJob.class,
                    FinetuneClassifierJob.class, DeleteModelJob.class, EvaluateJob.class},
            discriminatorProperty = "type")
    public sealed interface Job permits TrainTokenizerJob, TokenizeDatasetJob, PretrainJob, FinetuneClassifierJob,
            DeleteModelJob, EvaluateJob {
    }

    @Schema(name = "TrainTokenizerJob")
    public record TrainTokenizerJob(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = "train-tokenizer") String type,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "moby") String datasetId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "4096") Integer vocabSize,
            @Schema(description = "the new tokenizer's id; default: the job id") String tokenizerId,
            @Schema(description = "default 2") Integer minFrequency,
            @Schema(description = "default [\"<|endoftext|>\"]") List<String> specialTokens,
            @Schema(description = "default: a fresh id") String jobId) implements Job {
    }

    @Schema(name = "TokenizeDatasetJob")
    public record TokenizeDatasetJob(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = "tokenize-dataset") String type,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "moby") String datasetId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "gpt2") String tokenizerId,
            @Schema(description = "bytes of text per shard; default 4 MiB") Long shardBytes,
            @Schema(description = "default: a fresh id") String jobId) implements Job {
    }

    @Schema(name = "PretrainJob")
    public record PretrainJob(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = "pretrain") String type,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "moby",
                    description = "a dataset tokenized with tokenizerId (a tokenize-dataset job)") String datasetId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "gpt2") String tokenizerId,
            @Schema(description = "the published model's id; default: the job id") String modelId,
            @Schema(description = "a published model to continue training (its weights and shape; leave shape out); "
                    + "default: random weights") String baseModelId,
            @Schema(description = "the architecture: a preset name (tiny, gpt2, gpt2-medium, ...) or an object of "
                    + "model configuration fields overlaying tiny's") Object shape,
            @Schema(deprecated = true, description = "the old name of shape; read until the next release") Object model,
            @Schema(description = "training settings (TrainConfig fields)") Map<String, Object> hyperparameters,
            @Schema(description = "optimizer steps") Long maxSteps,
            @Schema(description = "alternatively, training tokens") Long maxTokens,
            @Schema(description = "default: a fresh id") String jobId) implements Job {
    }

    @Schema(name = "FinetuneClassifierJob", description = "fine-tunes a base model into a classifier of a "
            + "jsonl-labeled dataset's labels; the job's result has the test accuracy, per-class figures, the "
            + "confusion matrix and a naive Bayes baseline's accuracy on the same split")
    public record FinetuneClassifierJob(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = "finetune-classifier") String type,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "moby-gpt",
                    description = "a published base model (not an adapter, classifier or chat model)") String baseModelId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "moby",
                    description = "a jsonl-labeled dataset of {\"text\", \"label\"} rows") String datasetId,
            @Schema(description = "the published classifier's id; default: the job id") String modelId,
            @Schema(description = "the class names in the head's order; default: the data's labels, sorted")
            List<String> labels,
            @Schema(description = "down-sample every label to the rarest's count before splitting; default true")
            Boolean balance,
            @Schema(description = "with testDatasetId: held-out datasets instead of a split of datasetId")
            String validationDatasetId,
            @Schema(description = "with validationDatasetId") String testDatasetId,
            @Schema(description = "fractions of the stratified split; default {\"train\": 0.7, \"validation\": 0.1, "
                    + "\"test\": 0.2}") Map<String, Double> splits,
            @Schema(description = "of the split, balancing, head initialization and shuffling; default 42") Long seed,
            @Schema(description = "tokens read of an example (longer ones are truncated); default: the longest "
                    + "example's, at most the base model's context") Integer maxLength,
            @Schema(description = "default last-block", allowableValues = {"head", "last-block", "all"})
            String trainable,
            @Schema(description = "what the head reads: the last real token (default, as HuggingFace's "
                    + "GPT2ForSequenceClassification) or the mean of the real tokens' states",
                    allowableValues = {"last", "mean"}) String pooling,
            @Schema(description = "which maxLength tokens of a longer example are read: the first (default) or the "
                    + "first half and the last half", allowableValues = {"head", "head-tail"}) String truncation,
            @Schema(description = "epochs, batchSize, learningRate, minLearningRate (a cosine decay to it; default: "
                    + "none, constant), weightDecay, gradClip, dropout (default: the base's own), earlyStoppingPatience")
            Map<String, Object> hyperparameters,
            @Schema(description = "default: a fresh id") String jobId) implements Job {
    }

    @Schema(name = "DeleteModelJob")
    public record DeleteModelJob(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = "delete-model") String type,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "moby-gpt") String modelId,
            @Schema(description = "default: a fresh id") String jobId) implements Job {
    }

    @Schema(name = "EvaluateJob", description = "an evaluation; POST /v1/evals takes the same without type")
    public record EvaluateJob(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = "evaluate") String type,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "moby-gpt",
                    description = "the published model to measure") String modelId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "perplexity", allowableValues = {
                    "perplexity", "classification", "generation", "multiple-choice", "judge"}) String task,
            @Schema(example = "moby-test", description = "the examples: held-out text, labeled rows, references or "
                    + "multiple-choice rows") String datasetId,
            @Schema(description = "set by eval-service on the evaluations it runs itself; refused from clients")
            String suite,
            @Schema(minimum = "1", description = "examples scored at most (a seeded sample); default all")
            Integer maxExamples,
            @Schema(description = "seeds the sample of examples and any sampling") Long seed,
            @Schema(description = "the served model that scores the answers; only for task judge") String judgeModelId,
            @Schema(description = "the task's own settings (stride, context, smoothing, stemming, pairwise ...)")
            Map<String, Object> parameters,
            @Schema(description = "default: a fresh id; it is the evaluation's id") String jobId) implements Job {
    }

    @Schema(name = "EvalRequest", description = "POST /v1/evals: an evaluate job (no type)")
    public record EvalRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "moby-gpt",
                    description = "the published model to measure") String modelId,
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "perplexity", allowableValues = {
                    "perplexity", "classification", "generation", "multiple-choice", "judge"}) String task,
            @Schema(example = "moby-test", description = "the examples: held-out text, labeled rows, references or "
                    + "multiple-choice rows") String datasetId,
            @Schema(minimum = "1", description = "examples scored at most (a seeded sample); default all")
            Integer maxExamples,
            @Schema(description = "seeds the sample of examples and any sampling") Long seed,
            @Schema(description = "the served model that scores the answers; only for task judge") String judgeModelId,
            @Schema(description = "the task's own settings (stride, context, smoothing, stemming, pairwise ...)")
            Map<String, Object> parameters,
            @Schema(description = "default: a fresh id; it is the evaluation's id") String jobId) {
    }

    @Schema(name = "TokenizeResult")
    public record TokenizeResult(String tokenizerId, List<Integer> tokens, int count) {
    }

    @Schema(name = "DetokenizeResult")
    public record DetokenizeResult(String tokenizerId, String text) {
    }

    @Schema(name = "Tokenizer")
    public record Tokenizer(String id, int vocabSize, Map<String, Integer> specialTokens) {
    }

    @Schema(name = "TokenizerList")
    public record TokenizerList(@Schema(example = "list") String object, List<Tokenizer> data) {
    }
}
