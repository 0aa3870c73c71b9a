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

    @ParameterizedTest
    @CsvSource({
            "/api/orders, /api/orders",
            "/api;x/orders, /api/orders",
            "/api;jsessionid=ab12/orders;v=2, /api/orders",
            "/api/%6Frders, /api/orders",
            "/api/%6frders, /api/orders",
            "/api/products/12%20x, /api/products/12%20x",
            "/api/products/%7E%41, /api/products/~A",
            "/api/products/%4, /api/products/%4",
            "/api/products/%zz, /api/products/%zz",
            "/;x, /",
            "/api/;x/orders, /api/orders",
            "/api/;x/;y/orders, /api/orders",
            "/api/orders/;x, /api/orders/",
    })
    void shouldMatchRulesOnThePathTheNodeServesWithoutParametersAndNeedlessEncoding(String normalised, String forRules) {
        assertEquals(forRules, RequestPath.forRules(normalised));
    }

    /**
     * However a client spells a path, with parameters on any segment and any of its unreserved
     * characters but the dot percent-encoded in either case, the rules see the path it names.
     */
    @Test
    void shouldGiveTheRulesThePathItselfWhateverItsSpelling() {
        java.util.Random random = new java.util.Random(20_261_206L);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder path = new StringBuilder();
            StringBuilder spelt = new StringBuilder();
            int segments = 1 + random.nextInt(4);
            for (int j = 0; j < segments; j++) {
                path.append('/');
                spelt.append('/');
                int length = 1 + random.nextInt(6);
                for (int k = 0; k < length || path.toString().endsWith("/.") || path.toString().endsWith("/.."); k++) {
                    char c = alphabet.charAt(random.nextInt(alphabet.length()));
                    path.append(c);
                    if (c != '.' && random.nextInt(3) == 0) { // an encoded dot is refused outright (above)
                        String hex = String.format("%%%02X", (int) c);
                        spelt.append(random.nextBoolean() ? hex : hex.toLowerCase(java.util.Locale.ROOT));
                    } else {
                        spelt.append(c);
                    }
                }
                if (random.nextInt(4) == 0) {
                    spelt.append(";p=").append(random.nextInt(100));
                }
                if (j < segments - 1 && random.nextInt(8) == 0) {
                    // A segment of parameters alone within the path (at its end it would name a directory).
                    spelt.append("/;q=").append(random.nextInt(100));
                }
            }
            String named = RequestPath.normalize(path.toString());
            assertEquals(named, RequestPath.forRules(RequestPath.normalize(spelt.toString())), spelt.toString());
        }
    }
}
