package dev.llmmesh.inference.requests;

import dev.llmmesh.inference.engine.Ticket;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which requests of each owned partition are not answered yet. The committable offset of a partition is its lowest
 * unanswered offset (or one past the last record read when all are answered): committing further would lose the
 * unanswered ones if this replica died. Tickets are answered from engine and producer threads; the consumer thread
 * reads and commits.
 */
final class OffsetTracker {
    /** One ownership of one partition: a ticket of an earlier ownership (revoked since) no longer counts. */
    private static final class Owned {
        final TreeSet<Long> open = new TreeSet<>();
        long next = -1;
        long committed = -1;
    }

    private final Map<TopicPartition, Owned> owned = new HashMap<>();

    synchronized void assigned(Collection<TopicPartition> partitions) {
        partitions.forEach(p -> owned.put(p, new Owned()));
    }

    /** Offsets to commit for {@code partitions}, which stop being tracked. */
    synchronized Map<TopicPartition, OffsetAndMetadata> revoked(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> commits = committable(partitions);
        partitions.forEach(owned::remove);
        return commits;
    }

    /** A record read: unanswered until its ticket says otherwise. */
    synchronized Ticket begin(TopicPartition partition, long offset) {
        Owned state = owned.computeIfAbsent(partition, p -> new Owned());
        state.open.add(offset);
        state.next = Math.max(state.next, offset + 1);
        return new Ticket() {
            @Override
            public int partition() {
                return partition.partition();
            }

            @Override
            public void answered() {
                finish(state, offset);
            }
        };
    }

    private synchronized void finish(Owned state, long offset) {
        state.open.remove(offset);
    }

    /** Offsets that moved since they were last committed. */
    synchronized Map<TopicPartition, OffsetAndMetadata> committable() {
        return committable(owned.keySet());
    }

    synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((partition, offset) -> {
            Owned state = owned.get(partition);
            if (state != null) {
                state.committed = Math.max(state.committed, offset.offset());
            }
        });
    }

    synchronized int owned() {
        return owned.size();
    }

    /** Requests read and not answered yet, over all owned partitions. */
    synchronized int open() {
        return owned.values().stream().mapToInt(o -> o.open.size()).sum();
    }

    private Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition partition : partitions) {
            Owned state = owned.get(partition);
            if (state == null || state.next < 0) {
                continue;
            }
            long target = state.open.isEmpty() ? state.next : state.open.first();
            if (target > state.committed) {
                commits.put(partition, new OffsetAndMetadata(target));
            }
        }
        return commits;
    }
}
