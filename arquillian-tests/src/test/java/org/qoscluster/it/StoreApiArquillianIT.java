package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qoscluster.testing.StoreAssertions.assertError;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.io.File;
import java.net.URL;
import java.time.Duration;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.qoscluster.testing.SingleNodeDatabase;
import org.qoscluster.testing.StoreClient;
import org.qoscluster.testing.StoreDatabase;
import org.qoscluster.testing.TestRuntime;

/**
 * The store on one Payara Micro node deployed by Arquillian, over a real Derby network server:
 * every kind of bad input gets a 4xx with a JSON error that names the problem, and changes
 * nothing in the database.
 */
@ExtendWith(SingleNodeDatabase.class)
@ExtendWith(ArquillianExtension.class)
class StoreApiArquillianIT {

    @Deployment(testable = false)
    static WebArchive store() {
        File war = TestRuntime.layout().storeWar().toFile();
        return ShrinkWrap.createFromZipFile(WebArchive.class, war);
    }

    @ArquillianResource
    private URL deployment;

    private StoreClient shopper;

    @BeforeEach
    void newShopper() {
        shopper = StoreClient.at(TestRuntime.deployedAt(deployment, TestRuntime.layout().storeWar()), Duration.ofSeconds(10));
    }

    @Test
    void shouldServeTheSeededCatalogue(StoreDatabase db) {
        assertEquals(1000, assertOk(shopper.get("api/products?limit=5")).path("total").asInt());
        assertEquals(1000, db.products());
        assertEquals("SKU-00042", assertOk(shopper.get("api/products/42")).path("sku").asText());
    }

    @Test
    void shouldRefuseBadCartInputByNameAndChangeNothing(StoreDatabase db) {
        var before = db.snapshot();
        assertError(shopper.post("api/cart/items", "{\"productId\": 3, \"quantity\": "), 400, "malformed JSON");
        assertError(shopper.post("api/cart/items", "[1, 2]"), 400, "not a JSON object");
        assertError(shopper.post("api/cart/items", ""), 400, "body: empty");
        assertError(shopper.post("api/cart/items", "{\"productId\": 3, \"quantity\": -2}"), 400, "quantity: -2");
        assertError(shopper.post("api/cart/items", "{\"productId\": 3, \"quantity\": 0}"), 400, "quantity: 0");
        assertError(shopper.post("api/cart/items", "{\"productId\": 3, \"quantity\": 99999999999}"), 400,
                "quantity: 99999999999");
        assertError(shopper.post("api/cart/items", "{\"productId\": 3, \"quantity\": 1.5}"), 400, "quantity: 1.5");
        assertError(shopper.post("api/cart/items", "{\"quantity\": 1}"), 400, "productId: missing");
        assertError(shopper.post("api/cart/items", "{\"productId\": 999999, \"quantity\": 1}"), 404,
                "product 999999 does not exist");
        assertError(shopper.send("POST", "api/cart/items", "text/plain", "{\"productId\": 3, \"quantity\": 1}"), 415,
                "Unsupported Media Type");
        assertError(shopper.send("PUT", "api/cart/items/3", "application/json", "{\"quantity\": 2}"), 404,
                "product 3 is not in the cart");
        assertEquals(0, assertOk(shopper.get("api/cart")).path("items").asInt(), "no bad request reached the cart");
        assertEquals(before, db.snapshot());
    }

    @Test
    void shouldRefuseBadCustomerAndCheckoutInputAndChangeNothing(StoreDatabase db) {
        var before = db.snapshot();
        assertError(shopper.post("api/customers", "{\"name\": \"Ada\", \"email\": \"not-an-address\"}"), 400,
                "email: 'not-an-address'");
        assertError(shopper.post("api/customers", "{\"name\": \"\", \"email\": \"ada@example.org\"}"), 400, "name:");
        assertError(shopper.send("POST", "api/orders", null, null), 401, "not signed in");
        assertError(shopper.get("api/products?limit=1000"), 400, "limit: 1000");
        assertError(shopper.get("api/products?offset=-1"), 400, "offset: -1");
        assertError(shopper.get("api/no-such-thing"), 404, "Not Found");
        assertEquals(before, db.snapshot());

        assertOk(shopper.post("api/customers", "{\"name\": \"Bea\", \"email\": \"bea@example.org\"}"));
        var signedIn = db.snapshot();
        assertError(shopper.send("POST", "api/orders", null, null), 400, "cart: empty");
        assertOk(shopper.post("api/cart/items", "{\"productId\": 1, \"quantity\": 99}"));
        long stock = db.stock(1);
        assertError(shopper.send("POST", "api/orders", null, null), 409, "product 1 has " + stock + " in stock, 99 asked");
        assertEquals(signedIn, db.snapshot());
        assertEquals(99, assertOk(shopper.get("api/cart")).path("items").asInt(), "a refused checkout keeps the cart");
    }
}
