package dev.llmmesh.gateway.models;

import dev.llmmesh.core.model.GptCheckpoint;
import dev.llmmesh.core.model.HuggingFaceFiles;
import dev.llmmesh.core.model.InvalidModelFilesException;
import dev.llmmesh.core.tokenizer.BpeModel;
import dev.llmmesh.core.tokenizer.BpeTokenizer;
import dev.llmmesh.core.tokenizer.HuggingFaceTokenizerJson;
import dev.llmmesh.mesh.ArtifactKeys;
import dev.llmmesh.mesh.FileArtifactStore;
import dev.llmmesh.mesh.Ids;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.TokenizerRegistry;
import dev.llmmesh.servicekit.http.ProblemException;
import dev.llmmesh.servicekit.models.ModelPublisher;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Makes a HuggingFace GPT-2 directory a published model: checked whole first ({@link HuggingFaceFiles#check}), then
 * its files written under the model's artifact directory, its tokenizer registered, and the model announced on
 * {@code llm.models} as a trained one is, so inference serves it the same way.
 */
@Singleton
public class ModelImporter {
    private static final Logger LOG = LoggerFactory.getLogger(ModelImporter.class);
    /** The suffix of an imported model's own tokenizer id, when it does not use GPT-2's. */
    public static final String TOKENIZER_SUFFIX = "-tokenizer";
    /** Imports have no job; the announcement's job id says where the model came from. */
    public static final String JOB_PREFIX = "import-";

    private final FileArtifactStore artifacts;
    private final TokenizerRegistry tokenizers;
    private final ModelRegistry models;
    private final ModelPublisher publisher;

    public ModelImporter(FileArtifactStore artifacts, TokenizerRegistry tokenizers, ModelRegistry models,
                         ModelPublisher publisher) {
        this.artifacts = artifacts;
        this.tokenizers = tokenizers;
        this.models = models;
        this.publisher = publisher;
    }

    /** @throws ProblemException 409 when a model {@code modelId} is published or its files are in the store */
    public void checkFree(String modelId) throws InterruptedException {
        if (models.find(modelId, ModelRegistry.CATCH_UP).isPresent()
                || artifacts.exists(ArtifactKeys.modelDir(modelId) + GptCheckpoint.CONFIG_FILE)) {
            throw new ProblemException(HttpStatus.CONFLICT, "modelId", "model '" + modelId + "' already exists; "
                    + "choose another id");
        }
    }

    /**
     * Checks {@code source} and publishes it as {@code modelId}; {@code source} is only read.
     *
     * @throws ProblemException 400 naming the file at fault, 409 for a taken model or tokenizer id
     */
    public ModelAnnouncement importDirectory(String modelId, Path source) throws IOException, InterruptedException {
        checkFree(modelId);
        HuggingFaceFiles.Checked checked;
        try {
            checked = HuggingFaceFiles.check(source);
        } catch (InvalidModelFilesException e) {
            throw ProblemException.badField(e.file(), e.getMessage());
        }
        String tokenizerId = tokenizerId(modelId, checked);
        String dir = ArtifactKeys.modelDir(modelId);
        // Half precision is kept as uploaded: GptCheckpoint.load widens it to float32 as it reads.
        artifacts.write(dir + GptCheckpoint.WEIGHTS_FILE,
                out -> Files.copy(source.resolve(GptCheckpoint.WEIGHTS_FILE), out));
        artifacts.write(dir + HuggingFaceFiles.TOKENIZER_JSON,
                out -> HuggingFaceTokenizerJson.write(checked.tokenizer(), out));
        if (!tokenizers.exists(tokenizerId)) {
            artifacts.write(ArtifactKeys.tokenizerJson(tokenizerId),
                    out -> HuggingFaceTokenizerJson.write(checked.tokenizer(), out));
        }
        // Written last: its presence is what makes the id taken (checkFree).
        artifacts.write(dir + GptCheckpoint.CONFIG_FILE, HuggingFaceFiles.configJson(checked));
        @SuppressWarnings("unchecked")
        Map<String, Object> shape = Json.LENIENT.convertValue(checked.config(), Map.class);
        ModelAnnouncement announcement = ModelAnnouncement.base(modelId, shape, tokenizerId, dir,
                JOB_PREFIX + modelId, Map.of(), Instant.now());
        publisher.announce(announcement);
        awaitListed(modelId);
        return announcement;
    }

    /**
     * Returns once this gateway's registry has read the announcement back, so that the GET a client sends on the
     * 201 finds the model. If it has not within {@link ModelRegistry#CATCH_UP} the 201 is given all the same: the
     * broker holds the record, so the model is published (inference will serve it, and the id is taken: a client
     * retrying on an error would get a 409), and only this gateway's view of it is late.
     */
    private void awaitListed(String modelId) throws InterruptedException {
        if (models.awaitPresent(modelId, ModelRegistry.CATCH_UP).isEmpty()) {
            LOG.warn("model {} is published but this gateway's registry has not read it back within {}; "
                    + "GET /v1/models/{} may answer 404 until it does", modelId, ModelRegistry.CATCH_UP, modelId);
        }
    }

    /**
     * GPT-2's own tokenizer is reused as {@code gpt2}; any other is registered as {@code <modelId>-tokenizer}, which
     * may already hold the same tokenizer (an import retried) but not another one.
     */
    private String tokenizerId(String modelId, HuggingFaceFiles.Checked checked) {
        if (checked.gpt2Tokenizer()) {
            return TokenizerRegistry.GPT2;
        }
        String id = modelId + TOKENIZER_SUFFIX;
        if (!Ids.valid(id)) {
            throw ProblemException.badField("modelId", "a model with its own tokenizer registers it as '" + id
                    + "', which is too long: use a modelId of at most " + (128 - TOKENIZER_SUFFIX.length())
                    + " characters");
        }
        Optional<BpeModel> existing = tokenizers.find(id).map(BpeTokenizer::model);
        if (existing.isPresent() && !existing.get().sameAs(checked.tokenizer())) {
            throw new ProblemException(HttpStatus.CONFLICT, "modelId", "tokenizer '" + id + "' exists and differs "
                    + "from the uploaded one; choose another modelId");
        }
        return id;
    }
}
