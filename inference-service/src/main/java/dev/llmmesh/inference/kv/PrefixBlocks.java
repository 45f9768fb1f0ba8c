package dev.llmmesh.inference.kv;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Cuts a prompt into block-aligned prefixes and names each: block k holds positions {@code [k*B, (k+1)*B)} and is
 * keyed by the SHA-256 of the whole prefix up to its end (token ids as little-endian int32), so equal keys mean
 * equal prefixes, and a prompt's blocks chain from position 0. Stored per block rather than per prefix, a prompt of
 * k blocks costs k blocks of space, not 1 + 2 + ... + k.
 */
public final class PrefixBlocks {
    private PrefixBlocks() {
    }

    /**
     * The digests of the prompt's full blocks, first block first. The last prompt token never falls in a block: it
     * must be fed to the model to get the logits of the first generated token.
     */
    public static List<String> digests(int[] prompt, int blockTokens) {
        if (blockTokens < 1) {
            throw new IllegalArgumentException("block size must be >= 1, got " + blockTokens);
        }
        int blocks = Math.max(0, (prompt.length - 1) / blockTokens);
        List<String> digests = new ArrayList<>(blocks);
        MessageDigest sha = sha256();
        ByteBuffer block = ByteBuffer.allocate(blockTokens * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < blocks; k++) {
            block.clear();
            for (int i = k * blockTokens; i < (k + 1) * blockTokens; i++) {
                block.putInt(prompt[i]);
            }
            sha.update(block.array());
            try {
                // The running digest goes on to the next block; a clone gives this prefix's.
                digests.add(HexFormat.of().formatHex(((MessageDigest) sha.clone()).digest()));
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("SHA-256 digests cannot be cloned on this JVM", e);
            }
        }
        return digests;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
