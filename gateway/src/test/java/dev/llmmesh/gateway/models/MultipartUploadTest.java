package dev.llmmesh.gateway.models;

import dev.llmmesh.servicekit.http.ProblemException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The multipart reader on bodies whose data nearly spells the delimiter, which it must keep as data. */
class MultipartUploadTest {
    private static final String BOUNDARY = "b0undary";

    @TempDir
    Path staging;

    @Test
    void dataThatStartsLikeTheDelimiterIsKept() throws IOException {
        byte[] tricky = "x\r\n-y\r\r\n--b0und\r\n--b0undar\r\n\r\n--b0undar\r".getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = body(Map.of("modelId", "m1".getBytes(StandardCharsets.UTF_8)), "config.json", tricky);
        MultipartUpload.Parts parts = MultipartUpload.read(new ByteArrayInputStream(body),
                "multipart/form-data; boundary=" + BOUNDARY, staging, Set.of("config.json"), name -> false, 1 << 20);
        assertEquals(Map.of("modelId", "m1"), parts.fields());
        assertEquals(Set.of("config.json"), parts.files());
        assertArrayEquals(tricky, Files.readAllBytes(staging.resolve("config.json")));
    }

    @Test
    void aTruncatedBodyOrOneOverTheLimitIsRefused() throws IOException {
        byte[] body = body(Map.of(), "config.json", new byte[1000]);
        byte[] truncated = Arrays.copyOf(body, body.length - 20);
        ProblemException cut = assertThrows(ProblemException.class, () -> MultipartUpload.read(
                new ByteArrayInputStream(truncated), "multipart/form-data; boundary=\"" + BOUNDARY + "\"", staging,
                Set.of("config.json"), name -> false, 1 << 20));
        assertEquals(400, cut.status().getCode());
        ProblemException large = assertThrows(ProblemException.class, () -> MultipartUpload.read(
                new ByteArrayInputStream(body), "multipart/form-data; boundary=" + BOUNDARY, staging,
                Set.of("config.json"), name -> false, 500));
        assertEquals(413, large.status().getCode());
    }

    private static byte[] body(Map<String, byte[]> fields, String file, byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> field : fields.entrySet()) {
            out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field.getKey()
                    + "\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(field.getValue());
            out.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"" + file
                + "\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(content);
        out.write(("\r\n--" + BOUNDARY + "--").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
