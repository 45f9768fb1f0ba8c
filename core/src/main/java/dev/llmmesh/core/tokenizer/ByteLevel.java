package dev.llmmesh.core.tokenizer;

/**
 * GPT-2's reversible byte-to-unicode mapping. Vocabulary files (encoder.json, vocab.bpe, HuggingFace
 * tokenizer.json) spell every token as printable characters: bytes that are printable Latin-1 stand for
 * themselves, the other 68 bytes are shifted to U+0100 and above (so a space becomes 'Ġ').
 */
public final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The printable spelling of raw token bytes. */
    public static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The raw bytes of a printable spelling; rejects characters outside the mapping. */
    public static byte[] decode(String spelled) {
        byte[] out = new byte[spelled.length()];
        for (int i = 0; i < out.length; i++) {
            char c = spelled.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                throw new IllegalArgumentException("character U+%04X at %d of \"%s\" is not a byte-level BPE symbol"
                        .formatted((int) c, i, spelled));
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
