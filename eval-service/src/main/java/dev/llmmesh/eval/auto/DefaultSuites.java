package dev.llmmesh.eval.auto;

import dev.llmmesh.eval.results.EvalResults;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Json;
import dev.llmmesh.mesh.ModelAnnouncement;
import dev.llmmesh.mesh.Topics;
import dev.llmmesh.mesh.eval.EvalResult;
import dev.llmmesh.mesh.eval.Suites;
import dev.llmmesh.mesh.jobs.EvalJob;
import dev.llmmesh.servicekit.MeshProducer;
import dev.llmmesh.servicekit.models.ModelRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Every model announced on {@code llm.models} gets its kind's default suite ({@link Suites}): an {@code evaluate}
 * job with an id fixed by model, suite and the job that trained it, put on {@code llm.eval.jobs} like a client's
 * (QUEUED first) unless {@code llm.eval.results} already holds that job's figure (a model trained again under
 * the same id is measured again; its figure replaces the old one). Every replica does this for every model, and a restart does
 * it again: they all start the same job, keyed by its id onto one partition, and {@code EvaluateRunner} runs it
 * only while its result is not yet published, so the figure is measured and published once.
 */
@Singleton
@Requires(property = "llm.eval.automatic", value = "true", defaultValue = "true")
public class DefaultSuites implements ApplicationEventListener<ServerStartupEvent>, ModelRegistry.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultSuites.class);

    private final ModelRegistry registry;
    private final EvalResults results;
    private final MeshProducer producer;
    /** One at a time, off the registry's thread: each start waits for the broker. */
    private final ExecutorService starts = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("default-suites").factory());
    private final Set<String> started = ConcurrentHashMap.newKeySet();

    public DefaultSuites(ModelRegistry registry, EvalResults results, MeshProducer producer) {
        this.registry = registry;
        this.results = results;
        this.producer = producer;
    }

    @Override
    public void onApplicationEvent(ServerStartupEvent event) {
        starts.execute(() -> {
            try {
                if (!registry.awaitCaughtUp(ModelRegistry.CATCH_UP)) {
                    LOG.warn("{} not read within {}; default suites start as models are read", Topics.MODELS,
                            ModelRegistry.CATCH_UP);
                }
                registry.subscribe(this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public void announced(ModelAnnouncement model) {
        starts.execute(() -> start(model));
    }

    @Override
    public void withdrawn(String modelId) {
        // A queued evaluation of a withdrawn model fails when it is run, naming the model.
    }

    private void start(ModelAnnouncement model) {
        Optional<Suites.Entry> suite = Suites.defaultSuite(model);
        if (suite.isEmpty()) {
            LOG.info("model {} ({}): no default suite to run: {}", model.modelId(), model.kind(),
                    Suites.reason(model));
            return;
        }
        EvalJob.Evaluate job = Suites.job(model, Suites.DEFAULT, suite.get());
        try {
            boolean published = results.find(EvalResult.key(model.modelId(), Suites.DEFAULT, job.jobId()))
                    .filter(r -> job.jobId().equals(r.evalId())).isPresent();
            if (published || !started.add(job.jobId())) {
                return;
            }
            producer.send(Topics.JOB_EVENTS, job.jobId(), Json.bytes(JobEvent.queued(job.jobId(), job.jobType())));
            producer.send(Topics.EVAL_JOBS, job.jobId(), Json.bytes(job));
            LOG.info("model {}: default suite started as job {} ({})", model.modelId(), job.jobId(),
                    job.task().wireName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            started.remove(job.jobId());
            LOG.warn("model {}: could not start its default suite ({}); it is tried again when the model is next "
                    + "read", model.modelId(), e.toString());
        }
    }

    @PreDestroy
    void close() {
        registry.unsubscribe(this);
        starts.shutdownNow();
    }
}
