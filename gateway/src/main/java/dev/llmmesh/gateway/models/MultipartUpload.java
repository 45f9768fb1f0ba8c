package dev.llmmesh.gateway.models;

import dev.llmmesh.servicekit.http.ProblemException;
import io.micronaut.http.HttpStatus;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code multipart/form-data} body (RFC 7578) read as it streams in: file parts go straight to files in a staging
 * directory, text fields are kept; nothing of a model is ever held in memory. The gateway's Micronaut multipart
 * support is off (dataset uploads stream their bodies), so the few rules of the format are kept here.
 */
final class MultipartUpload {
    private static final Pattern BOUNDARY = Pattern.compile("(?i);\\s*boundary=(\"([^\"]+)\"|[^;\\s]+)");
    private static final Pattern PARAM = Pattern.compile("(?i);\\s*(name|filename)=(\"([^\"]*)\"|[^;\\s]*)");
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_FIELD_BYTES = 4 * 1024;

    /**
     * What came in: the text fields, and the files written to the staging directory under their names.
     *
     * @param skipped files sent but not kept, as {@code skippable} allowed, in the order sent
     */
    record Parts(Map<String, String> fields, Set<String> files, List<String> skipped) {
    }

    private final InputStream in;
    private final byte[] delimiter;
    private final long maxBytes;
    private long read;

    private MultipartUpload(InputStream body, String boundary, long maxBytes) {
        this.in = new BufferedInputStream(body, 1 << 16);
        // The body starts with "--boundary" and no CRLF before it; each later one follows a CRLF.
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.maxBytes = maxBytes;
    }

    /**
     * Reads the whole body: a part with a filename is a file named so (without its directories), else by its field
     * name when that is one of {@code fileNames}; other parts are text fields. A file in {@code skippable} is read
     * past and listed, not kept.
     *
     * @throws ProblemException 400 for a malformed body, an unexpected file or a repeated part; 413 past
     *                          {@code maxBytes}
     */
    static Parts read(InputStream body, String contentType, Path staging, Set<String> fileNames,
                      Predicate<String> skippable, long maxBytes) throws IOException {
        Matcher boundary = BOUNDARY.matcher(contentType);
        if (!boundary.find()) {
            throw ProblemException.badField("Content-Type", "multipart/form-data needs a boundary parameter");
        }
        String value = boundary.group(2) != null ? boundary.group(2) : boundary.group(1);
        return new MultipartUpload(body, value, maxBytes).parts(staging, fileNames, skippable);
    }

    private Parts parts(Path staging, Set<String> fileNames, Predicate<String> skippable) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        Set<String> files = new LinkedHashSet<>();
        List<String> skipped = new ArrayList<>();
        // Before the first boundary: a preamble to skip, read as if a CRLF preceded the body.
        if (!skipPreamble()) {
            throw malformed("no --boundary line");
        }
        while (true) {
            int a = next();
            int b = next();
            if (a == '-' && b == '-') {
                return new Parts(fields, files, List.copyOf(skipped));
            }
            if (a != '\r' || b != '\n') {
                throw malformed("a boundary line must end with CRLF");
            }
            String headers = headers();
            String name = param(headers, "name");
            String filename = param(headers, "filename");
            if (name == null) {
                throw malformed("a part has no Content-Disposition name");
            }
            if (filename != null || fileNames.contains(name)) {
                String file = filename == null || filename.isBlank() ? name : baseName(filename);
                if (!fileNames.contains(file) && skippable.test(file)) {
                    if (skipped.contains(file)) {
                        throw ProblemException.badField(file, file + " is uploaded twice");
                    }
                    skipped.add(file);
                    copyPart(OutputStream.nullOutputStream(), Long.MAX_VALUE, file);
                    continue;
                }
                if (!fileNames.contains(file)) {
                    throw ProblemException.badField(file, "unexpected file " + file + "; upload only "
                            + String.join(", ", fileNames.stream().sorted().toList()));
                }
                if (!files.add(file)) {
                    throw ProblemException.badField(file, file + " is uploaded twice");
                }
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(staging.resolve(file)),
                        1 << 16)) {
                    copyPart(out, Long.MAX_VALUE, file);
                }
            } else {
                ByteArrayOutputStream text = new ByteArrayOutputStream();
                copyPart(text, MAX_FIELD_BYTES, name);
                if (fields.put(name, text.toString(StandardCharsets.UTF_8)) != null) {
                    throw ProblemException.badField(name, "field " + name + " is given twice");
                }
            }
        }
    }

    /** Everything up to the first delimiter is thrown away; false when the body ends first. */
    private boolean skipPreamble() throws IOException {
        // Pretend the CRLF before the first boundary, which the format leaves out.
        int matched = 2;
        while (true) {
            int c = in.read();
            if (c < 0) {
                return false;
            }
            count(1);
            if (c == delimiter[matched]) {
                if (++matched == delimiter.length) {
                    return true;
                }
            } else {
                matched = c == delimiter[0] ? 1 : 0;
            }
        }
    }

    /**
     * Copies the part's bytes to {@code out} up to the next delimiter. Only the delimiter's first byte (CR) can start
     * it, and CR appears nowhere else in it, so on a mismatch the bytes matched so far are data and the current byte
     * is looked at afresh.
     */
    private void copyPart(OutputStream out, long limit, String part) throws IOException {
        int matched = 0;
        long written = 0;
        while (true) {
            int c = next();
            if (c == delimiter[matched]) {
                if (++matched == delimiter.length) {
                    return;
                }
                continue;
            }
            if (matched > 0) {
                out.write(delimiter, 0, matched);
                written += matched;
                matched = 0;
                if (c == delimiter[0]) {
                    matched = 1;
                    continue;
                }
            }
            out.write(c);
            if (++written > limit) {
                throw ProblemException.badField(part, "field " + part + " is longer than " + limit + " bytes");
            }
        }
    }

    private String headers() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int c = next();
            bytes.write(c);
            state = c == (state % 2 == 0 ? '\r' : '\n') ? state + 1 : (c == '\r' ? 1 : 0);
            if (bytes.size() > MAX_HEADER_BYTES) {
                throw malformed("a part's headers are longer than " + MAX_HEADER_BYTES + " bytes");
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The parameter of the part's Content-Disposition header, null when absent. */
    private static String param(String headers, String wanted) {
        for (String line : headers.split("\r\n")) {
            if (!line.regionMatches(true, 0, "Content-Disposition:", 0, "Content-Disposition:".length())) {
                continue;
            }
            Matcher m = PARAM.matcher(line);
            while (m.find()) {
                if (m.group(1).equalsIgnoreCase(wanted)) {
                    return m.group(3) != null ? m.group(3) : m.group(2);
                }
            }
        }
        return null;
    }

    /** Browsers and curl may send a path; only its last segment names the file. */
    private static String baseName(String filename) {
        String name = filename.replace('\\', '/');
        return name.substring(name.lastIndexOf('/') + 1);
    }

    private int next() throws IOException {
        int c = in.read();
        if (c < 0) {
            throw malformed("the body ends inside a part (no closing --boundary--)");
        }
        count(1);
        return c;
    }

    private void count(long n) {
        read += n;
        if (read > maxBytes) {
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body", "the upload is larger than the "
                    + "gateway's limit of " + maxBytes + " bytes (llm.gateway.max-model-bytes); for large files "
                    + "put the directory in the artifact store and import it by path");
        }
    }

    private static ProblemException malformed(String why) {
        return ProblemException.badField("body", "not a multipart/form-data body: " + why);
    }
}
