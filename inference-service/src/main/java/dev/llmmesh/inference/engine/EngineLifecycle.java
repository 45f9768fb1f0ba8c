package dev.llmmesh.inference.engine;

import dev.llmmesh.core.generate.BatchDecoder;
import dev.llmmesh.core.generate.TokenText;
import dev.llmmesh.inference.InferenceSettings;
import dev.llmmesh.inference.kv.KvPrefixStore;
import dev.llmmesh.inference.kv.StoredPrefixCache;
import dev.llmmesh.inference.models.LoadedModel;
import dev.llmmesh.mesh.ModelAnnouncement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An engine thread's life: load the model, set up a decoder and serve with it; a decoder that breaks mid-step is
 * replaced by a fresh one after its requests are answered with the error. A model that cannot be loaded, or whose
 * decoder cannot be set up, goes FAILED and answers every request with the reason until the engine stops.
 */
final class EngineLifecycle implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineLifecycle.class);

    private final ModelAnnouncement announcement;
    private final ModelEngine.Loader loader;
    private final InferenceSettings settings;
    private final KvPrefixStore prefixStore;
    private final EngineState state;
    private final BlockingQueue<EngineCommand> inbox;
    private final RequestTable table;
    private final Intake intake;
    private final Outbox outbox;
    private final DecodeLoop loop;
    private final ClassifyLoop classifyLoop;

    EngineLifecycle(ModelAnnouncement announcement, ModelEngine.Loader loader, InferenceSettings settings,
                    KvPrefixStore prefixStore, EngineState state, BlockingQueue<EngineCommand> inbox,
                    RequestTable table, Intake intake, Outbox outbox, DecodeLoop loop, ClassifyLoop classifyLoop) {
        this.announcement = announcement;
        this.loader = loader;
        this.settings = settings;
        this.prefixStore = prefixStore;
        this.state = state;
        this.inbox = inbox;
        this.table = table;
        this.intake = intake;
        this.outbox = outbox;
        this.loop = loop;
        this.classifyLoop = classifyLoop;
    }

    @Override
    public void run() {
        LoadedModel loaded;
        try {
            long t0 = System.nanoTime();
            loaded = loader.load();
            LOG.info("model {} loaded in {} ms ({} parameters, tokenizer {}); decode steps: {}", announcement.modelId(),
                    (System.nanoTime() - t0) / 1_000_000, loaded.model().parameterCount(), loaded.tokenizer().name(),
                    loaded.model().decodePath());
        } catch (Exception e) {
            fail("it could not be loaded: " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
            refuseUntilStopped();
            return;
        }
        if (loaded.classifier() != null) {
            classify(loaded);
            return;
        }
        int contextLength = loaded.model().config().contextLength();
        int capacity = settings.capacity() == 0 ? contextLength : Math.min(settings.capacity(), contextLength);
        state.loaded(capacity);
        if (serve(loaded, capacity)) {
            state.closed();
        } else {
            // The weights are closed by now: a FAILED engine holds no memory while it refuses.
            refuseUntilStopped();
        }
    }

    /** @return false when no decoder could be set up (FAILED), true when the engine stopped */
    private boolean serve(LoadedModel loaded, int capacity) {
        try (loaded; StoredPrefixCache prefixes = new StoredPrefixCache(prefixStore, announcement.modelId(),
                KvPrefixStore.fingerprint(announcement), loaded.model().config())) {
            while (true) {
                BatchDecoder decoder;
                try {
                    decoder = new BatchDecoder(loaded.model(), TokenText.of(loaded.tokenizer()),
                            settings.maxSequences(), capacity, prefixes);
                } catch (RuntimeException e) {
                    // Typically a cache too big for the device: settings to change, not a step to retry.
                    fail("its decoder could not be set up (llm.inference.max-sequences " + settings.maxSequences()
                            + ", capacity " + capacity + "): " + e.getMessage(), e);
                    table.failAll(e, outbox);
                    return false;
                }
                state.ready();
                try (decoder) {
                    loop.serve(decoder, loaded.tokenizer());
                    return true;
                } catch (RuntimeException e) {
                    // A decoder that threw mid-step may hold half-written state: answer its requests with the
                    // error and go on with a fresh one, rather than leave them (and the partition) hanging.
                    LOG.error("decoding model {} failed; {} request(s) answered with an error", announcement.modelId(),
                            table.size(), e);
                    table.failAll(e, outbox);
                    if (state.stopping()) {
                        return true;
                    }
                }
            }
        }
    }

    /** A classifier needs no decoder: its capacity is its maximum length, and it serves until stopped. */
    private void classify(LoadedModel loaded) {
        try (loaded) {
            state.loaded(loaded.classifier().maxLength());
            state.ready();
            LOG.info("model {} serves as a classifier of {} labels {} (maximum length {})", announcement.modelId(),
                    loaded.classifier().labels().size(), loaded.classifier().labels(),
                    loaded.classifier().maxLength());
            classifyLoop.serve(loaded.classifier(), loaded.tokenizer());
        } catch (RuntimeException e) {
            fail("classifying failed: " + e.getMessage(), e);
            refuseUntilStopped();
            return;
        }
        state.closed();
    }

    private void fail(String reason, Exception cause) {
        state.failed(reason);
        LOG.error("model {}: {}", announcement.modelId(), reason, cause);
    }

    /**
     * A model that failed to load still answers, so clients hear why instead of timing out, until it is stopped or
     * retired (withdrawn, announced again, unloaded): a retired FAILED engine has nothing left to finish.
     */
    private void refuseUntilStopped() {
        while (!state.stopping() && !state.retiring()) {
            try {
                refuse(inbox.poll(1, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                return;
            }
        }
        // Retired: what reached the inbox after the last look is answered too, not silently lost.
        for (EngineCommand command = inbox.poll(); command != null && !state.stopping(); command = inbox.poll()) {
            refuse(command);
        }
    }

    private void refuse(EngineCommand command) {
        if (command instanceof EngineCommand.Submit submit) {
            intake.refuse(submit, CompletionErrors.modelUnavailable(announcement.modelId(), state.failure()));
        } else if (command instanceof EngineCommand.Classify classify) {
            intake.refuse(classify, CompletionErrors.modelUnavailable(announcement.modelId(), state.failure()));
        }
    }
}
