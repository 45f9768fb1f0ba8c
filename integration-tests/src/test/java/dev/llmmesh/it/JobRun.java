package dev.llmmesh.it;

import dev.llmmesh.mesh.JobEvent;
import dev.llmmesh.mesh.JobState;
import dev.llmmesh.mesh.Progress;
import dev.llmmesh.testkit.ServiceJvm;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One job submitted at the gateway and followed on its event stream (SSE) to its end: the way a user runs jobs.
 */
record JobRun(String jobId, List<JobEvent> events) {
    /**
     * @param path    where to POST it: {@code /v1/jobs}, or {@code /v1/tokenizers} for a tokenizer
     * @param service named in every failure, with its log's tail: a job that fails or hangs explains itself there
     * @throws AssertionError unless the job SUCCEEDED within {@code timeout}
     */
    static JobRun succeed(GatewayClient gateway, String path, Map<String, Object> job, Duration timeout,
                          ServiceJvm service) throws Exception {
        GatewayClient.Reply accepted = gateway.postJson(path, job).expect(202);
        String jobId = accepted.body().get("id").textValue();
        List<JobEvent> events;
        try {
            events = gateway.follow(jobId, timeout);
        } catch (AssertionError e) {
            throw new AssertionError(job.get("type") + " job " + jobId + " did not end within " + timeout.toSeconds()
                    + " s; the end of " + service.log() + ":\n" + service.logTail(), e);
        }
        JobEvent last = events.getLast();
        if (last.state() != JobState.SUCCEEDED) {
            throw new AssertionError(job.get("type") + " job " + jobId + " ended " + last.state() + ": " + last.message()
                    + "\nthe end of " + service.log() + ":\n" + service.logTail());
        }
        return new JobRun(jobId, events);
    }

    /** A job as the API wants it; {@code type} is left out when null (POST /v1/tokenizers implies it). */
    static Map<String, Object> job(String type, String jobId, Object... fieldsAndValues) {
        Map<String, Object> job = new LinkedHashMap<>();
        if (type != null) {
            job.put("type", type);
        }
        job.put("jobId", jobId);
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            job.put((String) fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        return job;
    }

    List<Progress> progress() {
        return events.stream().map(JobEvent::progress).filter(Objects::nonNull).toList();
    }

    /** A metric's values in the order the job reported them, from events that carried it. */
    List<Double> metric(String name) {
        return progress().stream().map(p -> p.metrics().get(name)).filter(Objects::nonNull).toList();
    }

    Map<String, Object> result() {
        return events.getLast().result() == null ? Map.of() : events.getLast().result();
    }

    double resultNumber(String key) {
        if (result().get(key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new AssertionError("job " + jobId + " reported no numeric '" + key + "' in its result " + result());
    }
}
