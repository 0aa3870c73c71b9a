package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qoscluster.testing.StoreAssertions.assertError;
import static org.qoscluster.testing.StoreAssertions.assertOk;

import java.io.File;
import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.qoscluster.testing.NodeProperties;
import org.qoscluster.testing.SingleNodeDatabase;
import org.qoscluster.testing.StoreClient;
import org.qoscluster.testing.StoreDatabase;
import org.qoscluster.testing.TestRuntime;

/**
 * The ledger sample (ledger-app), an application not written for QoS Cluster and changed only as
 * docs/your-app.md says, on one Payara Micro node deployed by Arquillian over a real
 * Derby network server, with the node settings the ledger ships ({@code qos.serialization.allow}
 * naming its package): accounts, transfers and balances end to end, every kind of bad input
 * refused with a JSON error naming the field and nothing written, and the recently viewed
 * accounts kept in the Session Synchronizer's session. The WAR is deployed with the Session
 * Synchronizer's jar renamed, as a build that maps or shades the jars of {@code WEB-INF/lib} leaves
 * it: its filter is installed all the same (the jar's web fragment says it is bundled).
 */
@NodeProperties("qos.serialization.allow=org.qoscluster.**;org.example.ledger.**")
@ExtendWith(SingleNodeDatabase.class)
@ExtendWith(ArquillianExtension.class)
class LedgerApiArquillianIT {

    /** What the Session Synchronizer's jar is called in the deployed WAR: not its own name. */
    static final String RENAMED_SSS = "WEB-INF/lib/org.qoscluster-sss-shaded.jar";

    @Deployment(testable = false)
    static WebArchive ledger() {
        WebArchive war = ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("qos.ledger.war")));
        List<org.jboss.shrinkwrap.api.ArchivePath> sss = war.getContent(p -> p.get().startsWith("/WEB-INF/lib/session-synchronizer"))
                .keySet().stream().toList();
        assertEquals(1, sss.size(), () -> "the ledger WAR bundles the Session Synchronizer: " + war.toString(true));
        org.jboss.shrinkwrap.api.asset.Asset jar = war.get(sss.get(0)).getAsset();
        war.delete(sss.get(0));
        war.add(jar, RENAMED_SSS);
        return war;
    }

    @ArquillianResource
    private URL deployment;

    private URI base;
    private StoreClient client;

    @BeforeEach
    void newClient() {
        base = TestRuntime.deployedAt(deployment, java.nio.file.Path.of(System.getProperty("qos.ledger.war")));
        client = StoreClient.at(base, Duration.ofSeconds(10));
    }

    /** What a refused request must leave alone: accounts, entries, the money in the ledger. */
    private record Snapshot(long accounts, long entries, long balances) {
        static Snapshot of(StoreDatabase db) {
            return new Snapshot(db.number("SELECT COUNT(*) FROM ACCOUNT"), db.number("SELECT COUNT(*) FROM LEDGER_ENTRY"),
                    db.number("SELECT COALESCE(SUM(BALANCE_CENTS), 0) FROM ACCOUNT"));
        }
    }

    private long open(String name, long openingCents) {
        StoreClient.Reply reply = client.post("api/accounts",
                "{\"name\": \"" + name + "\", \"openingBalanceCents\": " + openingCents + "}");
        assertEquals(201, reply.status(), () -> "opening an account: " + reply);
        return reply.json().path("id").asLong();
    }

    @Test
    void shouldTransferMoneyAndShowBalancesAndEntries(StoreDatabase db) {
        long ada = open("Ada", 10_000);
        long bea = open("Bea", 0);
        StoreClient.Reply paid = client.post("api/accounts/" + ada + "/entries",
                "{\"toAccountId\": " + bea + ", \"amountCents\": 2500, \"memo\": \"rent\"}");
        assertEquals(201, paid.status(), paid::toString);
        assertEquals(7500, paid.json().path("balanceCents").asLong());

        JsonNode adaPage = assertOk(client.get("api/accounts/" + ada));
        assertEquals("Ada", adaPage.path("name").asText());
        assertEquals(7500, adaPage.path("balanceCents").asLong());
        JsonNode entries = adaPage.path("entries");
        assertEquals(2, entries.size(), adaPage::toString);
        assertEquals(-2500, entries.get(0).path("amountCents").asLong(), "newest first: the transfer");
        assertEquals(bea, entries.get(0).path("counterpartyId").asLong());
        assertEquals("rent", entries.get(0).path("memo").asText());
        assertEquals(paid.json().path("debit").path("bookedAt").asText(), entries.get(0).path("bookedAt").asText(),
                "the entry's time, as the transfer answered it");
        assertEquals(10_000, entries.get(1).path("amountCents").asLong(), "then the opening deposit");

        JsonNode beaPage = assertOk(client.get("api/accounts/" + bea));
        assertEquals(2500, beaPage.path("balanceCents").asLong());
        assertEquals(ada, beaPage.path("entries").get(0).path("counterpartyId").asLong());

        boolean listed = false;
        for (JsonNode account : assertOk(client.get("api/accounts"))) {
            listed |= account.path("id").asLong() == bea && account.path("balanceCents").asLong() == 2500;
        }
        assertTrue(listed, "the account list shows Bea's new balance");

        // On the master: each balance is the sum of its entries, and the transfer made no money.
        for (long id : new long[] {ada, bea}) {
            assertEquals(db.number("SELECT BALANCE_CENTS FROM ACCOUNT WHERE ID = " + id),
                    db.number("SELECT SUM(AMOUNT_CENTS) FROM LEDGER_ENTRY WHERE ACCOUNT_ID = " + id));
        }
        assertEquals(10_000, db.number("SELECT SUM(BALANCE_CENTS) FROM ACCOUNT WHERE ID IN (" + ada + ", " + bea + ")"));
    }

    @Test
    void shouldRefuseBadInputNamingTheFieldAndChangeNothing(StoreDatabase db) {
        long cid = open("Cid", 300);
        long dee = open("Dee", 0);
        Snapshot before = Snapshot.of(db);
        String pay = "api/accounts/" + cid + "/entries";
        assertError(client.post(pay, "{\"toAccountId\": " + dee + ", \"amountCents\": -1}"), 400, "amountCents: must be greater than 0");
        assertError(client.post(pay, "{\"toAccountId\": " + dee + ", \"amountCents\": 0}"), 400, "amountCents: must be greater than 0");
        assertError(client.post(pay, "{\"toAccountId\": " + dee + "}"), 400, "amountCents: must not be null");
        assertError(client.post(pay, "{\"toAccountId\": " + dee + ", \"amountCents\": 1.5}"), 400, "amountCents: must be a whole number");
        assertError(client.post(pay, "{\"toAccountId\": " + dee + ", \"amountCents\": 99999999999}"), 400,
                "amountCents: must be less than or equal to 100000000");
        assertError(client.post(pay, "{\"toAccountId\": " + dee + ", \"amountCents\": \"ten\"}"), 400, "amountCents");
        assertError(client.post(pay, "{\"toAccountId\": " + dee + ".5, \"amountCents\": 5}"), 400, "toAccountId: must be a whole number");
        assertError(client.post(pay, "{\"amountCents\": 5}"), 400, "toAccountId: must not be null");
        assertError(client.post(pay, "{\"toAccountId\": " + cid + ", \"amountCents\": 5}"), 400, "toAccountId: " + cid + " is the paying account itself");
        assertError(client.post(pay, "{\"toAccountId\": " + dee + ", \"amountCents\": 5, \"memo\": \"" + "m".repeat(141) + "\"}"), 400,
                "memo: size must be between 0 and 140");
        assertError(client.post(pay, "{\"toAccountId\": " + dee + ", \"amountCents\": "), 400, "body: not readable JSON");
        assertError(client.post(pay, "[1, 2]"), 400, "body: not readable JSON");
        assertError(client.send("POST", pay, "application/json", null), 400, "body: empty");
        assertError(client.send("POST", pay, "text/plain", "{\"toAccountId\": " + dee + ", \"amountCents\": 5}"), 415,
                "Unsupported Media Type");
        assertError(client.post(pay, "{\"toAccountId\": 999999, \"amountCents\": 5}"), 404, "toAccountId: account 999999 does not exist");
        assertError(client.post("api/accounts/999999/entries", "{\"toAccountId\": " + dee + ", \"amountCents\": 5}"), 404,
                "account 999999 does not exist");
        assertError(client.post(pay, "{\"toAccountId\": " + dee + ", \"amountCents\": 301}"), 409, "account " + cid + " has 300 cents, 301 asked");
        assertError(client.post("api/accounts", "{\"name\": \"  \"}"), 400, "name: must not be blank");
        assertError(client.post("api/accounts", "{\"name\": \"Eve\", \"openingBalanceCents\": -3}"), 400,
                "openingBalanceCents: must be greater than or equal to 0");
        assertError(client.get("api/accounts/999999"), 404, "account 999999 does not exist");
        assertError(client.get("api/no-such-thing"), 404, "Not Found");
        assertEquals(before, Snapshot.of(db));
        assertEquals(300, assertOk(client.get("api/accounts/" + cid)).path("balanceCents").asLong());
    }

    @Test
    void shouldKeepRecentlyViewedAccountsInTheSynchronizedSession() throws Exception {
        long a = open("Fay", 0);
        long b = open("Gil", 0);
        CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        HttpClient browser = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(cookies)
                .connectTimeout(Duration.ofSeconds(10)).build();
        for (long id : new long[] {a, b, a}) {
            assertEquals(200, get(browser, "api/accounts/" + id).statusCode());
        }
        // The Session Synchronizer's filter is installed (bundling its jar is the whole change),
        // also under another jar name (RENAMED_SSS): the node gave this browser its signed identity.
        List<String> names = cookies.getCookieStore().getCookies().stream().map(HttpCookie::getName).toList();
        assertTrue(names.contains("QOSUID"), () -> "no QOSUID cookie: " + names);
        // Each request reads the session back from the session database; RecentAccounts, a class
        // of the ledger, is stored (and read back) only because qos.serialization.allow names its package.
        HttpResponse<String> recent = get(browser, "api/recent");
        assertEquals(200, recent.statusCode(), recent::body);
        assertEquals("{\"accountIds\":[" + a + "," + b + "]}", recent.body());
        assertEquals("{\"accountIds\":[]}", client.get("api/recent").body(), "another visitor has a session of their own");
    }

    @Test
    void shouldNameTheMasterOnTheHealthPage() {
        JsonNode health = assertOk(client.get("api/health"));
        assertEquals("UP", health.path("status").asText());
        assertEquals("master", health.path("database").asText());
    }

    private HttpResponse<String> get(HttpClient browser, String path) throws IOException, InterruptedException {
        return browser.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
