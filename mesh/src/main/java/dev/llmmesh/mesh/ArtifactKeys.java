package dev.llmmesh.mesh;

/** Where things live in the {@link ArtifactStore}. */
public final class ArtifactKeys {
    private ArtifactKeys() {
    }

    /** A dataset's text: UTF-8, documents may be separated by the tokenizer's end-of-text token text. */
    public static String datasetText(String datasetId) {
        return DATASETS + datasetId + "/data.txt";
    }

    /** Every dataset has a directory under this prefix. */
    public static final String DATASETS = "datasets/";

    /** What is recorded about a dataset (name, format, size, rows; a split's parent); written last. */
    public static String datasetInfo(String datasetId) {
        return DATASETS + datasetId + "/dataset.json";
    }

    /**
     * A dataset's rows, one JSON object per line with its format's fields (see {@code mesh.datasets.DatasetFormat});
     * absent for plain text, whose rows are the lines of {@link #datasetText}.
     */
    public static String datasetRows(String datasetId) {
        return DATASETS + datasetId + "/rows.jsonl";
    }

    /** A JSONL upload as it was sent, written before datasets had {@link #datasetRows}; read as rows when found. */
    public static String datasetJsonl(String datasetId) {
        return DATASETS + datasetId + "/data.jsonl";
    }

    public static String tokenizerJson(String tokenizerId) {
        return "tokenizers/" + tokenizerId + "/tokenizer.json";
    }

    /** One directory per tokenizer the dataset was tokenized with. */
    public static String datasetTokensDir(String datasetId) {
        return DATASETS + datasetId + "/tokens/";
    }

    public static String tokensDir(String datasetId, String tokenizerId) {
        return datasetTokensDir(datasetId) + tokenizerId;
    }

    /** Shards of one tokenize job stay apart from any other job's until a manifest names them. */
    public static String tokenShardsDir(String datasetId, String tokenizerId, String jobId) {
        return tokensDir(datasetId, tokenizerId) + "/" + jobId + "/";
    }

    public static String tokenShard(String datasetId, String tokenizerId, String jobId, int shard) {
        return tokenShardsDir(datasetId, tokenizerId, jobId) + "shard-%05d.bin".formatted(shard);
    }

    /** A published model: {@code model.safetensors}, {@code config.json} and its tokenizer. */
    public static String modelDir(String modelId) {
        return "models/" + modelId + "/";
    }

    public static String checkpointsDir(String jobId) {
        return "checkpoints/" + jobId + "/";
    }

    /** Written once, by whichever replica finishes the last shard; its presence means the dataset is complete. */
    public static String tokensManifest(String datasetId, String tokenizerId) {
        return tokensDir(datasetId, tokenizerId) + "/manifest.json";
    }

    /** An evaluation's files: {@code summary.json} (its {@code EvalResult}) and {@code samples.jsonl}. */
    public static String evalDir(String evalId) {
        return "evals/" + evalId + "/";
    }

    public static String evalSummary(String evalId) {
        return evalDir(evalId) + "summary.json";
    }

    /** One {@code EvalSample} per line, in example order. */
    public static String evalSamples(String evalId) {
        return evalDir(evalId) + "samples.jsonl";
    }
}
