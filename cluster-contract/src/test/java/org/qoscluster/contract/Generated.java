package org.qoscluster.contract;

import java.util.Random;
import java.util.function.Consumer;

/**
 * Generated values for the codec properties: each property runs {@link #TRIES} times over one
 * seeded {@link Random}; a failure names the seed, and {@code -Dqos.seed=SEED} replays it.
 */
final class Generated {

    static final int TRIES = 500;
    static final String NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
    /** Every separator a shared form uses, and the space of the answers. */
    static final String SEPARATORS = "|/:;, ";

    private Generated() {
    }

    /** Runs {@code property} {@link #TRIES} times; a failure carries the seed. */
    static void forAll(Consumer<Random> property) {
        long seed = Long.getLong("qos.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int i = 0; i < TRIES; i++) {
            try {
                property.accept(random);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("failed at try " + i + " with seed " + seed + " (replay: -Dqos.seed=" + seed + "): " + e, e);
            }
        }
    }

    /** A group or copy name: 1 to 64 of [A-Za-z0-9._-]. */
    static String name(Random r) {
        return text(r, NAME_CHARS, 1 + r.nextInt(r.nextBoolean() ? 8 : 64));
    }

    /** A node name: [a-z][a-z0-9-]{0,39}. */
    static String node(Random r) {
        return text(r, "abcdefghijklmnopqrstuvwxyz", 1) + text(r, "abcdefghijklmnopqrstuvwxyz0123456789-", r.nextInt(40));
    }

    /** A non-negative long, the edges often. */
    static long count(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE;
            case 2 -> r.nextInt(1000);
            default -> r.nextLong() & Long.MAX_VALUE;
        };
    }

    /** {@code name} with one separator put in at a random place. */
    static String withSeparator(Random r, String name) {
        int at = r.nextInt(name.length() + 1);
        return name.substring(0, at) + SEPARATORS.charAt(r.nextInt(SEPARATORS.length())) + name.substring(at);
    }

    /** Any text, separators, spaces and line breaks included. */
    static String anyText(Random r) {
        return text(r, NAME_CHARS + SEPARATORS + "\n\t\u00e9\u4e2d", r.nextInt(80));
    }

    static String text(Random r, String alphabet, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
