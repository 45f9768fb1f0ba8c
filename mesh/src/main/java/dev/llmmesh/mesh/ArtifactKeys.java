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

    /** What the gateway recorded about an upload (name, format, size, lines); written after the text. */
    public static String datasetInfo(String datasetId) {
        return DATASETS + datasetId + "/dataset.json";
    }

    /** A JSONL upload as it was sent; {@link #datasetText} holds its documents' text. */
    public static String datasetJsonl(String datasetId) {
        return DATASETS + datasetId + "/data.jsonl";
    }

    public static String tokenizerJson(String tokenizerId) {
        return "tokenizers/" + tokenizerId + "/tokenizer.json";
    }

    public static String tokensDir(String datasetId, String tokenizerId) {
        return "datasets/" + datasetId + "/tokens/" + tokenizerId;
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
}
