package dev.llmmesh.launcher.stack;

import java.nio.file.Path;

/** The files a single-node KRaft broker runs on. */
public final class KafkaConfig {
    private KafkaConfig() {
    }

    /**
     * One process is both broker and controller, with a dynamic quorum of itself (formatted with
     * {@code --standalone}). Every replication factor is 1 because there is one node, and the group
     * rebalance delay is 0 so that a service's consumer gets its partitions at once instead of after 3 s.
     */
    public static String serverProperties(Path logDir) {
        return """
                # Written by the llm-mesh launcher on every start; edits are overwritten.
                process.roles=broker,controller
                node.id=1
                controller.quorum.bootstrap.servers=%1$s:%3$d
                listeners=PLAINTEXT://%1$s:%2$d,CONTROLLER://%1$s:%3$d
                advertised.listeners=PLAINTEXT://%1$s:%2$d,CONTROLLER://%1$s:%3$d
                inter.broker.listener.name=PLAINTEXT
                controller.listener.names=CONTROLLER
                listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
                log.dirs=%4$s
                num.partitions=1
                offsets.topic.replication.factor=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                group.initial.rebalance.delay.ms=0
                """.formatted(Ports.HOST, Ports.KAFKA, Ports.KAFKA_CONTROLLER, logDir);
    }

    /**
     * Kafka 4 logs through log4j2 and, without a configuration, only prints errors. INFO to the console
     * (which the launcher sends to logs/kafka.log) except the full configuration dump at every start.
     */
    public static final String LOG4J2 = """
            status = warn
            appender.console.type = Console
            appender.console.name = STDOUT
            appender.console.layout.type = PatternLayout
            appender.console.layout.pattern = [%d] %p %m (%c)%n
            rootLogger.level = info
            rootLogger.appenderRef.stdout.ref = STDOUT
            logger.config.name = org.apache.kafka.common.config.AbstractConfig
            logger.config.level = warn
            """;
}
