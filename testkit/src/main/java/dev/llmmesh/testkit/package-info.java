/**
 * Real infrastructure for service tests: an in-process KRaft Kafka broker and a redis-server child
 * process, shared by every test class in a test JVM.
 *
 * <p>Typical use in a service test:
 * <pre>{@code
 * @MicronautTest
 * @TestInstance(TestInstance.Lifecycle.PER_CLASS)
 * class JobListenerTest implements UsesMeshInfra { ... }
 * }</pre>
 * Tests that build their own {@code ApplicationContext} use {@code @ExtendWith(MeshInfraExtension.class)}
 * instead; tests that need neither Micronaut nor JUnit call {@link dev.llmmesh.testkit.MeshInfra#get()}.
 *
 * <p>Requirements: {@code redis-server} on {@code PATH} (Debian: {@code apt-get install -y redis-server})
 * or {@code REDIS_SERVER} pointing at it.
 *
 * <p>Logging: the testkit ships no logging configuration, so that it never overrides a service's
 * own. At INFO the broker prints thousands of lines per run; a consuming module should add a
 * {@code src/test/resources/logback-test.xml} that sets the loggers {@code org.apache.kafka},
 * {@code kafka} and {@code state.change.logger} to WARN (see the one in this module's tests).
 *
 * <p>JVM lifetime: the broker's threads are not daemons and the infrastructure stops in a shutdown
 * hook, so a JVM that started it ends through {@code System.exit}, as Surefire and IDE test
 * runners do; a plain {@code main} must call it.
 */
package dev.llmmesh.testkit;
