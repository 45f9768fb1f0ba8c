package dev.llmmesh.gateway.datasets;

import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.http.HttpStatus;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts what it reads and stops an upload at the configured limit, before it fills the disk. */
final class LimitedInputStream extends FilterInputStream {
    private final long limit;
    private long count;

    LimitedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            advance(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
        int n = super.read(buffer, off, len);
        if (n > 0) {
            advance(n);
        }
        return n;
    }

    private void advance(long n) {
        count += n;
        if (count > limit) {
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body", "the dataset is larger than the "
                    + "gateway's limit of " + limit + " bytes (llm.gateway.max-dataset-bytes, env "
                    + "LLM_GATEWAY_MAX_DATASET_BYTES); split it or raise the limit");
        }
    }
}
