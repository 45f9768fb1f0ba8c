package dev.llmmesh.core.generate;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Token bytes in, text out, as soon as it is whole: a character split across tokens comes out with the token that
 * completes it. Invalid UTF-8 becomes U+FFFD, as the tokenizer's {@code decode} does.
 */
final class Utf8Stream {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Appends {@code bytes}; returns the text of every complete character buffered so far. */
    String push(byte[] bytes) {
        pending.writeBytes(bytes);
        byte[] all = pending.toByteArray();
        int complete = completePrefix(all);
        pending.reset();
        pending.write(all, complete, all.length - complete);
        return new String(all, 0, complete, StandardCharsets.UTF_8);
    }

    /** What is left at the end of the stream (an incomplete character, as U+FFFD). */
    String flush() {
        String rest = new String(pending.toByteArray(), StandardCharsets.UTF_8);
        pending.reset();
        return rest;
    }

    /** Length of the longest prefix that does not end inside a multi-byte character that may still be completed. */
    private static int completePrefix(byte[] b) {
        int n = b.length;
        // A character is at most 4 bytes: look back at most 3 for its lead byte.
        for (int back = 1; back <= Math.min(3, n); back++) {
            int x = b[n - back] & 0xFF;
            if ((x & 0xC0) == 0x80) {
                continue;
            }
            int needed = x >= 0xF0 ? 4 : x >= 0xE0 ? 3 : x >= 0xC0 ? 2 : 1;
            return needed > back ? n - back : n;
        }
        return n;
    }
}
