package dev.llmmesh.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.Progress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressState;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Draws a job's progress events as a terminal progress bar. A job may go through phases that count
 * different things (a tokenizer counts the bytes it reads, then the merges it learns), and one bar across
 * them would show nonsense rates and ETAs, so a new count (unit or total) starts a new bar; a new stage
 * label over the same count ("planned", then "tokenizing" shards) only changes the bar's message.
 *
 * <p>The ETA is the job's own ({@code etaSeconds}) when it gives one: the service knows what is left better than
 * a bar that only sees the events. Otherwise the bar extrapolates from the events it has seen.
 */
public final class JobProgressBar implements AutoCloseable {
    /** Wide enough for a training bar's loss, validation loss and throughput after the counts. */
    private static final int MAX_WIDTH = 140;

    private final String task;
    private final Function<Progress, String> message;
    private final Consumer<JsonNode> onEvent;
    private ProgressBar bar;
    private String unit;
    private long total;
    private volatile Long etaSeconds;

    /** A bar whose message is the job's stage label. */
    public JobProgressBar(String task) {
        this(task, progress -> progress.stage() == null ? "" : progress.stage());
    }

    /** @param message sees every progress event in order, and says what follows the rate */
    public JobProgressBar(String task, Function<Progress, String> message) {
        this(task, message, event -> {
        });
    }

    /**
     * @param onEvent sees every event of the running job first, in order, as the gateway sent it: a JSON tree, so
     *                that fields newer than this launcher's records (a fine-tune's worst predictions in the
     *                progress's {@code details}) still reach the command that wants them
     */
    public JobProgressBar(String task, Function<Progress, String> message, Consumer<JsonNode> onEvent) {
        this.task = task;
        this.message = message;
        this.onEvent = onEvent;
    }

    /** One event of the running job, as the follower receives it: parsed, and as sent. */
    void observe(JobEvent event, JsonNode sent) {
        onEvent.accept(sent);
        update(event.progress());
    }

    void update(Progress progress) {
        if (progress == null) {
            return;
        }
        String text = message.apply(progress);
        if (progress.total() <= 1) {
            // "starting" announcements carry no measurable amount of work.
            return;
        }
        if (bar == null || !Objects.equals(unit, progress.unit()) || total != progress.total()) {
            completeBar();
            unit = progress.unit();
            total = progress.total();
            bar = newBar(progress);
        }
        etaSeconds = progress.etaSeconds();
        bar.stepTo(progress.done());
        // After the rate, which the bar prints with no separator.
        bar.setExtraMessage(text.isEmpty() ? "" : " " + text);
    }

    /** Shows the last count as complete, so a job that succeeded never ends on a 98% bar. */
    void succeeded() {
        completeBar();
    }

    private void completeBar() {
        if (bar != null) {
            bar.stepTo(bar.getMax());
            bar.close();
            bar = null;
        }
    }

    private ProgressBar newBar(Progress progress) {
        String unitLabel = progress.unit() == null ? "" : " " + progress.unit();
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(progress.total())
                // Rate and ETA count from the first event seen, not from zero, or a late start looks fast.
                .startsFrom(progress.done(), Duration.ZERO)
                .setUnit(unitLabel, 1)
                .showSpeed()
                .setEtaFunction(state -> Optional.ofNullable(etaSeconds).map(Duration::ofSeconds).or(() -> linearEta(state)))
                .setStyle(System.console() != null ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setMaxRenderedLength(MAX_WIDTH)
                .continuousUpdate()
                .build();
    }

    private static Optional<Duration> linearEta(ProgressState state) {
        long done = state.getCurrent() - state.getStart();
        if (done <= 0) {
            return Optional.empty();
        }
        long elapsed = state.getElapsedAfterStart().toMillis();
        return Optional.of(Duration.ofMillis(elapsed * (state.getMax() - state.getCurrent()) / done));
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
