package dev.llmmesh.launcher.demo;

import dev.llmmesh.mesh.Progress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;
import java.util.Objects;

/**
 * Draws a job's progress events as a terminal progress bar. A job may go through phases that count
 * different things (a tokenizer counts the bytes it reads, then the merges it learns), and one bar across
 * them would show nonsense rates and ETAs, so a new count (unit or total) starts a new bar; a new stage
 * label over the same count ("planned", then "tokenizing" shards) only changes the bar's message.
 */
final class JobProgressBar implements AutoCloseable {
    private final String task;
    private ProgressBar bar;
    private String unit;
    private long total;

    JobProgressBar(String task) {
        this.task = task;
    }

    void update(Progress progress) {
        if (progress == null || progress.total() <= 1) {
            // "starting" announcements carry no measurable amount of work.
            return;
        }
        if (bar == null || !Objects.equals(unit, progress.unit()) || total != progress.total()) {
            completeBar();
            unit = progress.unit();
            total = progress.total();
            bar = newBar(progress);
        }
        bar.stepTo(progress.done());
        // After the rate, which the bar prints with no separator.
        bar.setExtraMessage(progress.stage() == null ? "" : " " + progress.stage());
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
                .setStyle(System.console() != null ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setMaxRenderedLength(110)
                .continuousUpdate()
                .build();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
