package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathTest {

    @ParameterizedTest
    @CsvSource({
            "/api/products, /api/products",
            "/api/cart/../products, /api/products",
            "/api/./products, /api/products",
            "//api//products, /api/products",
            "/api/products/, /api/products/",
            "/api/cart/.., /api/",
            "/, /",
            "/.., ''",
            "/api/products/12%20x, /api/products/12%20x",
            "/api/a/b/../../products, /api/products",
    })
    void shouldResolveDotSegmentsAndEmptySegments(String raw, String normalised) {
        if (normalised.isEmpty()) {
            assertThrows(IllegalArgumentException.class, () -> RequestPath.normalize(raw));
        } else {
            assertEquals(normalised, RequestPath.normalize(raw));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/cart/%2e%2e/products", "/api/cart/%2E%2E/products", "/api/cart%2f..%2fproducts",
            "/api\\..\\products", "/api/%5c../products", "/api/cart/..;x/products", "/api/%00", "/../etc/passwd",
            "/api/../../etc", "api/products", ""})
    void shouldRefusePathsWhoseMeaningDependsOnDecodingOrThatClimbAboveTheRoot(String raw) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RequestPath.normalize(raw));
        assertTrue(e.getMessage().startsWith("the path"), e.getMessage());
    }

    @Test
    void shouldKeepAnAlreadyNormalPathAsItIs() {
        for (String p : new String[] {"/", "/api/cart/items", "/qrs/site", "/index.html", "/api/products;v=1"}) {
            assertEquals(p, RequestPath.normalize(p));
        }
    }
}
