package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class SignatureCacheTest {

    @Test
    void computesOncePerKeyAndNeverKeepsARefusal() {
        SignatureCache<String> cache = new SignatureCache<>(10);
        AtomicInteger computed = new AtomicInteger();
        assertEquals("v-a", cache.get("a", k -> {
            computed.incrementAndGet();
            return "v-" + k;
        }));
        assertEquals("v-a", cache.get("a", k -> "other"));
        assertEquals(1, computed.get());
        assertNull(cache.get("forged", k -> null));
        assertEquals("now", cache.get("forged", k -> "now"));
    }

    @Test
    void startsAfreshWhenFull() {
        SignatureCache<String> cache = new SignatureCache<>(3);
        for (int i = 0; i < 3; i++) {
            cache.get("k" + i, k -> k);
        }
        assertEquals(3, cache.size());
        cache.get("k3", k -> k);
        assertEquals(1, cache.size());
        assertEquals("again", cache.get("k0", k -> "again"));
    }
}
