package dev.llmmesh.mesh.jobs;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.llmmesh.core.tokenizer.BpeTrainerConfig;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.MeshJob;
import dev.llmmesh.mesh.Topics;

import java.util.List;

/**
 * A message on {@code llm.tokenizer.jobs}. {@code train-tokenizer} and {@code tokenize-dataset} come from
 * clients; {@code tokenize-shard} is this service fanning a dataset out to all its replicas.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public sealed interface TokenizerJob extends MeshJob {
    int SCHEMA_VERSION = 1;
    long DEFAULT_SHARD_BYTES = 4L << 20;
    /** Far above any vocabulary in use (GPT-4's is about 100k): a larger one is a typo, not a plan. */
    int MAX_VOCAB_SIZE = 1 << 18;

    /** A shard reports as part of its dataset job. */
    @Override
    String jobType();

    /**
     * @param tokenizerId  id of the new tokenizer; defaults to the job id
     * @param minFrequency pairs seen fewer times are never merged; defaults to 2
     * @param specialTokens defaults to {@code <|endoftext|>}
     */
    record TrainTokenizer(Integer schemaVersion, String jobId, String datasetId, String tokenizerId, Integer vocabSize,
                          Integer minFrequency, List<String> specialTokens) implements TokenizerJob {
        public static final JobType<TrainTokenizer> TYPE = JobType.submitted("train-tokenizer", TrainTokenizer.class,
                Topics.TOKENIZER_JOBS, false);

        public TrainTokenizer {
            schemaVersion = SchemaVersions.check(schemaVersion, SCHEMA_VERSION);
            Ids.require("jobId", jobId);
            Ids.require("datasetId", datasetId);
            tokenizerId = Ids.require("tokenizerId", tokenizerId == null ? jobId : tokenizerId);
            if (vocabSize == null) {
                throw new IllegalArgumentException("vocabSize is required (e.g. 16000)");
            }
            if (vocabSize > MAX_VOCAB_SIZE) {
                throw new IllegalArgumentException("vocabSize must be at most " + MAX_VOCAB_SIZE + " (GPT-2 has 50257), "
                        + "got " + vocabSize);
            }
            minFrequency = minFrequency == null ? 2 : minFrequency;
            // The trainer's own checks (at least 256 bytes + the special tokens, minFrequency >= 1, usable special
            // tokens) run here, where both the gateway and the service parse the job: one set of rules, and a job
            // that breaks them is refused at the door or failed at once, naming the field.
            try {
                specialTokens = new BpeTrainerConfig(vocabSize, minFrequency,
                        specialTokens == null ? List.of("<|endoftext|>") : specialTokens).specialTokens();
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith("special") ? new IllegalArgumentException("specialTokens: "
                        + e.getMessage()) : e;
            }
        }

        @Override
        public String jobType() {
            return TYPE.name();
        }

        @Override
        public void validate(JobContext context) throws InvalidJobException {
            context.dataset("datasetId", datasetId);
            context.newTokenizer("tokenizerId", tokenizerId);
        }
    }

    /** @param shardBytes about how many bytes of text each shard covers; defaults to 4 MiB */
    record TokenizeDataset(Integer schemaVersion, String jobId, String datasetId, String tokenizerId, Long shardBytes)
            implements TokenizerJob {
        public static final JobType<TokenizeDataset> TYPE = JobType.submitted("tokenize-dataset",
                TokenizeDataset.class, Topics.TOKENIZER_JOBS, false);

        public TokenizeDataset {
            schemaVersion = SchemaVersions.check(schemaVersion, SCHEMA_VERSION);
            Ids.require("jobId", jobId);
            Ids.require("datasetId", datasetId);
            Ids.require("tokenizerId", tokenizerId);
            shardBytes = shardBytes == null ? DEFAULT_SHARD_BYTES : shardBytes;
            if (shardBytes < 1024) {
                throw new IllegalArgumentException("shardBytes must be at least 1024, got " + shardBytes);
            }
        }

        @Override
        public String jobType() {
            return TYPE.name();
        }

        @Override
        public void validate(JobContext context) throws InvalidJobException {
            context.dataset("datasetId", datasetId);
            context.tokenizer("tokenizerId", tokenizerId);
        }
    }

    /** Bytes {@code [from, to)} of the dataset's text, shard {@code shard} of {@code shards}. */
    record TokenizeShard(Integer schemaVersion, String jobId, String datasetId, String tokenizerId, int shard,
                         int shards, long from, long to) implements TokenizerJob {
        public static final JobType<TokenizeShard> TYPE = JobType.internal("tokenize-shard", TokenizeShard.class,
                Topics.TOKENIZER_JOBS);

        public TokenizeShard {
            schemaVersion = SchemaVersions.check(schemaVersion, SCHEMA_VERSION);
            Ids.require("jobId", jobId);
            Ids.require("datasetId", datasetId);
            Ids.require("tokenizerId", tokenizerId);
            if (shard < 0 || shard >= shards || from < 0 || to < from) {
                throw new IllegalArgumentException("shard " + shard + " of " + shards + " with bytes [" + from + ", " + to
                        + ") is not a valid shard");
            }
        }

        @Override
        public String jobType() {
            return TokenizeDataset.TYPE.name();
        }
    }
}
