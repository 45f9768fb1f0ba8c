package dev.llmmesh.core.tokenizer;

/** UTF-8 encoding of a char range into a reusable buffer. */
final class Utf8 {
    private Utf8() {
    }

    /**
     * Encodes {@code text[start, end)} into {@code s.bytes} (grown as needed) and returns the length.
     * A lone surrogate becomes U+FFFD, as tiktoken does for Python strings that cannot be UTF-8.
     */
    static int encode(CharSequence text, int start, int end, BpeTokenizer.Scratch s) {
        int max = (end - start) * 3;
        if (s.bytes.length < max) {
            s.bytes = new byte[Math.max(max, s.bytes.length * 2)];
        }
        byte[] b = s.bytes;
        int n = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                b[n++] = (byte) c;
            } else if (c < 0x800) {
                b[n++] = (byte) (0xC0 | (c >> 6));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                b[n++] = (byte) (0xF0 | (cp >> 18));
                b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                b[n++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                char v = Character.isSurrogate(c) ? '\uFFFD' : c;
                b[n++] = (byte) (0xE0 | (v >> 12));
                b[n++] = (byte) (0x80 | ((v >> 6) & 0x3F));
                b[n++] = (byte) (0x80 | (v & 0x3F));
            }
        }
        return n;
    }
}
