package dev.llmmesh.core.tokenizer;

import java.util.Arrays;
import java.util.List;

/** Merge priority by adjacent token pair: an open-addressing long -> int map, no boxing in the hot loop. */
final class PairRanks {
    static final int NONE = Integer.MAX_VALUE;

    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;

    PairRanks(List<Merge> merges) {
        int cap = Integer.highestOneBit(Math.max(4, merges.size()) * 2 - 1) << 1;
        keys = new long[cap];
        ranks = new int[cap];
        Arrays.fill(keys, -1L);
        mask = cap - 1;
        results = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            Merge m = merges.get(rank);
            results[rank] = m.result();
            long key = key(m.left(), m.right());
            int s = slot(key);
            if (keys[s] == -1L) { // the first (highest-priority) merge of a pair wins
                keys[s] = key;
                ranks[s] = rank;
            }
        }
    }

    int rank(int left, int right) {
        long key = key(left, right);
        int s = slot(key);
        return keys[s] == key ? ranks[s] : NONE;
    }

    int result(int rank) {
        return results[rank];
    }

    private int slot(long key) {
        int s = Long.hashCode(key * 0x9E3779B97F4A7C15L) & mask;
        while (keys[s] != -1L && keys[s] != key) {
            s = (s + 1) & mask;
        }
        return s;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }
}
