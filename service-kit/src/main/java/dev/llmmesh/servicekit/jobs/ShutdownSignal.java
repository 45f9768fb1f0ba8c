package dev.llmmesh.servicekit.jobs;

import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.ShutdownEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

/**
 * Tells a running job that this replica is stopping, so it ends between two steps (its last checkpoint
 * stays) and leaves its message uncommitted: the replica that takes over the partition resumes it.
 */
@Singleton
public class ShutdownSignal implements ApplicationEventListener<ShutdownEvent> {
    private volatile boolean stopping;

    @Override
    public void onApplicationEvent(ShutdownEvent event) {
        stopping = true;
    }

    @PreDestroy
    void destroy() {
        stopping = true;
    }

    public boolean stopping() {
        return stopping;
    }
}
