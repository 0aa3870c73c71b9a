package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class ChunksTest {

    private static List<Integer> sizes(int n, List<Integer> seen) throws Exception {
        List<Integer> items = IntStream.range(0, n).boxed().toList();
        List<Integer> sizes = new ArrayList<>();
        Chunks.each(items, (size, chunk) -> {
            assertEquals(size, chunk.size());
            sizes.add(size);
            seen.addAll(chunk);
        });
        return sizes;
    }

    @Test
    void shouldCoverEveryItemOnceInOrderInFullChunksThenPowersOfTwo() throws Exception {
        for (int n : new int[] {0, 1, 2, 3, 63, 64, 65, 127, 128, 200, 1000}) {
            List<Integer> seen = new ArrayList<>();
            List<Integer> sizes = sizes(n, seen);
            assertEquals(IntStream.range(0, n).boxed().toList(), seen, "items of a list of " + n);
            List<Integer> rest = sizes.stream().filter(s -> s < Chunks.SIZE).toList();
            assertEquals(rest.stream().distinct().toList(), rest, "each smaller size at most once, for " + n + ": " + sizes);
            assertEquals(rest.stream().sorted(java.util.Comparator.reverseOrder()).toList(), rest, "largest first, for " + n);
        }
        assertEquals(List.of(64, 64, 64, 8), sizes(200, new ArrayList<>()));
        assertEquals(List.of(32, 16, 8, 4, 2, 1), sizes(63, new ArrayList<>()));
    }

    @Test
    void shouldGiveEveryChunkOneSizeFillingUpTheLastWithItsLastItem() throws Exception {
        for (int n : new int[] {0, 1, 2, 63, 64, 65, 128, 200}) {
            List<Integer> items = IntStream.range(0, n).boxed().toList();
            List<List<Integer>> chunks = new ArrayList<>();
            Chunks.padded(items, (size, chunk) -> {
                assertEquals(Chunks.SIZE, size);
                assertEquals(Chunks.SIZE, chunk.size());
                chunks.add(chunk);
            });
            assertEquals((n + Chunks.SIZE - 1) / Chunks.SIZE, chunks.size(), "chunks of a list of " + n);
            assertEquals(items, chunks.stream().flatMap(List::stream).distinct().toList(), "items of a list of " + n + ", in order");
            if (n > 0) {
                List<Integer> last = chunks.get(chunks.size() - 1);
                int filled = chunks.size() * Chunks.SIZE - n;
                assertEquals(java.util.Collections.nCopies(filled + 1, n - 1), last.subList(Chunks.SIZE - filled - 1, Chunks.SIZE),
                        "the last chunk of a list of " + n + " filled up with its last item");
            }
        }
    }

    @Test
    void shouldWriteMarksSeparatedByCommas() {
        assertEquals("?, ?, ?", Chunks.marks(3, "?"));
        assertEquals("(?, ?), (?, ?)", Chunks.marks(2, "(?, ?)"));
    }
}
