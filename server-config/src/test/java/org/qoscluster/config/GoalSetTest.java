package org.qoscluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class GoalSetTest {

    private static final List<String> METHODS = List.of("*", "GET", "POST", "PUT");
    private static final List<String> SEGMENTS = List.of("", "a", "ab", "b", "a/b", "a/", "ba");

    @Test
    void shouldReadTheShippedGoalsAsTheClusterConfigurationDoes() {
        ClusterConfig config = ClusterConfig.defaults();
        GoalSet goals = GoalSet.parse(config.properties());
        assertEquals(config.goals(), goals);
        assertEquals(List.of("browse", "checkout", "default"), goals.classes().stream().map(ServiceClass::name).toList());
        assertEquals("checkout", goals.classify("POST", "/api/orders").name());
        assertEquals("default", goals.classify("GET", "/api/orders").name());
        assertEquals(goals, GoalSet.parse(goals.properties()), "properties() reads back as the same set");
        assertEquals(goals.fingerprint(), GoalSet.parse(goals.properties()).fingerprint());
    }

    @Test
    void shouldNameEveryBadKeyAndValue() {
        Map<String, String> p = new HashMap<>(ClusterConfig.defaults().goals().properties());
        p.put("qos.class.browse.p95-ms", "fast");
        p.put("qos.class.browse.prio", "80");
        p.put("qos.class.checkout.priority", "101");
        p.put("qos.class.Bad.p95-ms", "10");
        p.put("qos.class.history.priority", "60");
        p.put("qos.class.browse.match", "GET api");
        p.put("qos.router.node-capacity", "whatever, not a goal key");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> GoalSet.parse(p));
        String m = e.getMessage();
        assertTrue(m.contains("qos.class.browse.p95-ms: 'fast' is not a whole number"), m);
        assertTrue(m.contains("qos.class.browse.prio: unknown key (value '80')"), m);
        assertTrue(m.contains("qos.class.checkout.priority: '101' is out of range 0-100"), m);
        assertTrue(m.contains("qos.class.Bad.p95-ms: 'Bad' is not a valid class name"), m);
        assertTrue(m.contains("qos.class.history.p95-ms: missing"), m);
        assertTrue(m.contains("qos.class.browse.match: 'GET api' is not a rule"), m);
        assertFalse(m.contains("node-capacity"), "only goal keys are read: " + m);
    }

    @Test
    void shouldRefuseARuleThatAClassTriedBeforeItAlwaysTakes() {
        Map<String, String> p = new HashMap<>(ClusterConfig.defaults().goals().properties());
        p.put("qos.class.catalog.p95-ms", "300");
        p.put("qos.class.catalog.match", "GET /api/products*");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> GoalSet.parse(p));
        assertTrue(e.getMessage().contains("qos.class.catalog.match: 'GET /api/products*' can never match: class 'browse'"
                + " is tried first and its rule 'GET /api/products*'"), e.getMessage());

        p.put("qos.class.catalog.match", "GET /api/products/special*");
        assertThrows(InvalidConfigException.class, () -> GoalSet.parse(p), "a narrower rule behind a wider one is dead too");
        p.put("qos.class.a-first.p95-ms", "100");
        p.put("qos.class.a-first.match", "GET /api/products/special");
        p.put("qos.class.catalog.match", "POST /api/products*");
        GoalSet ok = GoalSet.parse(p);
        assertEquals("a-first", ok.classify("GET", "/api/products/special").name(), "a narrower rule before a wider one is fine");
        assertEquals("browse", ok.classify("GET", "/api/products/7").name());
        assertEquals("catalog", ok.classify("POST", "/api/products/7").name());
    }

    @Test
    void shouldTakeADoubleStarAsAPrefixMatch() {
        Map<String, String> p = new HashMap<>(ClusterConfig.defaults().goals().properties());
        p.put("qos.class.zapi.p95-ms", "300");
        p.put("qos.class.zapi.match", "GET /api/**");
        GoalSet g = GoalSet.parse(p);
        assertEquals("zapi", g.classify("GET", "/api/orders/1/lines").name());
        assertEquals("zapi", g.classify("GET", "/api/").name());
        assertEquals("browse", g.classify("GET", "/api/products/1").name(), "browse is tried first");
        assertEquals("default", g.classify("GET", "/apiary").name());
        assertEquals("default", g.classify("POST", "/api/x").name());
    }

    /**
     * Seeded random rules and requests: when a rule covers another, every request the other
     * matches it matches too; when it does not, some request matches the other and not it.
     */
    @Test
    void shouldSayARuleCoversAnotherExactlyWhenEveryRequestOfTheOtherIsItsToo() {
        Random random = new Random(20_260_412L);
        for (int i = 0; i < 20_000; i++) {
            RequestRule a = randomRule(random);
            RequestRule b = randomRule(random);
            if (a.covers(b)) {
                for (int j = 0; j < 50; j++) {
                    String method = METHODS.get(1 + random.nextInt(METHODS.size() - 1));
                    String path = "/" + SEGMENTS.get(random.nextInt(SEGMENTS.size())) + SEGMENTS.get(random.nextInt(SEGMENTS.size()));
                    if (b.matches(method, path)) {
                        assertTrue(a.matches(method, path), a + " covers " + b + " but not " + method + " " + path);
                    }
                }
            } else {
                boolean methodsCovered = a.method().equals("*") || (!b.method().equals("*") && a.method().equals(b.method()));
                String method;
                if (!methodsCovered) {
                    method = b.method().equals("*") ? (a.method().equals("DELETE") ? "PATCH" : "DELETE") : b.method();
                } else {
                    method = b.method().equals("*") ? "GET" : b.method();
                }
                // A path of b's that no rule of these segments (no 'z' in them) covers unless it covers b.
                String path = b.prefix() ? b.fixedPart() + "zz" : b.pathPattern();
                assertTrue(b.matches(method, path) && !a.matches(method, path),
                        a + " does not cover " + b + ", so some request is b's and not a's; not " + method + " " + path);
            }
        }
    }

    private static RequestRule randomRule(Random random) {
        String path = "/" + SEGMENTS.get(random.nextInt(SEGMENTS.size()));
        return new RequestRule(METHODS.get(random.nextInt(METHODS.size())), path + (random.nextBoolean() ? "*" : ""));
    }

    @Test
    void shouldTakeAMembersGoalKeysAsTheWholeSetButLayAConfigurationOverTheShippedOnes() {
        Map<String, String> p = new HashMap<>();
        p.put("qos.class.default.p95-ms", "900");
        p.put("qos.class.catalog.p95-ms", "100");
        p.put("qos.class.catalog.match", "GET /api/products*");
        ClusterConfig member = ClusterConfig.fromEffective(p);
        assertEquals(List.of("catalog", "default"), member.serviceClasses().stream().map(ServiceClass::name).toList());
        assertEquals("default", member.defaultServiceClass().name(), "qos.class.default defaults to 'default'");
        assertEquals(ClusterConfig.defaults().properties().get("qos.router.node-capacity"),
                member.properties().get("qos.router.node-capacity"), "other keys still come from the defaults");
        ClusterConfig layered = ClusterConfig.from(p);
        assertEquals("catalog", layered.classify("GET", "/api/products/1").name(),
                "a configuration is laid over the shipped classes, which yield the rules its classes cover");
        assertTrue(layered.goals().named("browse").isPresent());
    }

    @Test
    void shouldLetAConfiguredClassTakeRequestsAShippedClassAlsoClaims() {
        // An application's classes (the ledger's): its 'accounts' class claims GET / as the shipped 'browse' does.
        ClusterConfig c = ClusterConfig.from(Map.of(
                "qos.class.accounts.p95-ms", "200",
                "qos.class.accounts.match", "GET /api/accounts*,GET /api/recent,GET /,GET /index.html"));
        assertEquals("accounts", c.classify("GET", "/").name());
        assertEquals("browse", c.classify("GET", "/api/products/1").name(), "the rest of the shipped class stays");
        assertEquals("[GET /api/products*]", c.goals().named("browse").orElseThrow().rules().toString());
        assertEquals("checkout", c.classify("POST", "/api/cart").name());
        InvalidConfigException narrower = assertThrows(InvalidConfigException.class, () -> ClusterConfig.from(Map.of(
                "qos.class.zeta.p95-ms", "300", "qos.class.zeta.match", "* /api/cart/special")));
        assertTrue(narrower.getMessage().contains("qos.class.zeta.match: '* /api/cart/special' can never match: class 'checkout'"),
                "a configured rule inside a shipped one is not taken from it: " + narrower.getMessage());
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> GoalSet.parse(Map.of(
                "qos.class.default.p95-ms", "1000", "qos.class.a.p95-ms", "1", "qos.class.a.match", "GET /",
                "qos.class.b.p95-ms", "1", "qos.class.b.match", "GET /")));
        assertTrue(e.getMessage().contains("qos.class.b.match: 'GET /' can never match: class 'a'"), "an admin's set gets no such help");
    }

    @Test
    void shouldTellWhatChanged() {
        GoalSet before = ClusterConfig.defaults().goals();
        Map<String, String> p = new HashMap<>(before.properties());
        p.put("qos.class.browse.p95-ms", "300");
        p.put("qos.class.browse.priority", "20");
        p.keySet().removeIf(k -> k.startsWith("qos.class.checkout."));
        p.put("qos.class.history.p95-ms", "400");
        p.put("qos.class.history.match", "GET /api/orders*");
        GoalSet after = GoalSet.parse(p);
        GoalDiff d = GoalDiff.between(before, after);
        assertEquals(List.of("browse: p95-ms 200 -> 300", "browse: priority 50 -> 20", "removed checkout",
                "added history (p95-ms 400, priority 50, max-concurrency 0, match GET /api/orders*)"), d.changes());
        assertTrue(GoalDiff.between(after, after).isEmpty());
        assertFalse(before.fingerprint().equals(after.fingerprint()));
    }

    @Test
    void shouldGiveAUserClassItsOwnGoalAndEveryOtherUserClassTheClasss() {
        Map<String, String> p = new HashMap<>(ClusterConfig.defaults().goals().properties());
        p.put("qos.class.checkout.user.gold.p95-ms", "300");
        p.put("qos.class.checkout.user.gold.priority", "95");
        p.put("qos.class.checkout.user.silver.priority", "70");
        GoalSet goals = GoalSet.parse(p);
        ServiceClass checkout = goals.classify("POST", "/api/orders");
        ServiceClass gold = goals.goalFor(checkout, "gold");
        assertEquals(List.of("checkout", 300, 95, checkout.rules()), List.of(gold.name(), gold.p95Millis(), gold.priority(), gold.rules()));
        ServiceClass silver = goals.goalFor(checkout, "silver");
        assertEquals(List.of(800, 70), List.of(silver.p95Millis(), silver.priority()), "a field not given is the class's");
        for (String other : new String[] {"standard", "bronze", null}) {
            ServiceClass g = goals.goalFor(checkout, other);
            assertEquals(List.of("checkout", 800, 90), List.of(g.name(), g.p95Millis(), g.priority()), String.valueOf(other));
        }
        ServiceClass browse = goals.classify("GET", "/api/products");
        assertEquals(browse, goals.goalFor(browse, "gold"), "a class without user-class goals gives its own to everyone");
        assertEquals(goals, GoalSet.parse(goals.properties()), "properties() reads back as the same set");
        assertTrue(goals.properties().containsKey("qos.class.checkout.user.silver.p95-ms"));
        assertTrue(goals.describe().contains("checkout user gold (p95-ms 300, priority 95)"), goals.describe().toString());
    }

    @Test
    void shouldNameEveryBadUserClassKeyAndValue() {
        Map<String, String> p = new HashMap<>(ClusterConfig.defaults().goals().properties());
        p.put("qos.class.checkout.user.gold.p95-ms", "soon");
        p.put("qos.class.checkout.user.gold.priority", "101");
        p.put("qos.class.checkout.user.gold.max-concurrency", "3");
        p.put("qos.class.checkout.user.Gold.priority", "3");
        p.put("qos.class.checkout.users.gold.priority", "3");
        p.put("qos.class.history.user.gold.priority", "3");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> GoalSet.parse(p));
        String m = String.join("\n", e.problems());
        assertTrue(m.contains("qos.class.checkout.user.gold.p95-ms: 'soon' is not a whole number"), m);
        assertTrue(m.contains("qos.class.checkout.user.gold.priority: '101' is out of range 0-100"), m);
        assertTrue(m.contains("qos.class.checkout.user.gold.max-concurrency: unknown key (value '3')"), m);
        assertTrue(m.contains("qos.class.checkout.user.Gold.priority: 'Gold' is not a valid user class name"), m);
        assertTrue(m.contains("qos.class.checkout.users.gold.priority: 'checkout.users.gold' is not a valid class name"), m);
        assertTrue(m.contains("qos.class.history.user.gold.priority: '3' is a goal of user class 'gold' in class 'history',"
                + " which is not configured"), m);
        assertEquals(6, e.problems().size(), m);
    }

    @Test
    void shouldLookUpTheGoalOfAnyUserClassAsTheKeysSay() {
        // Property: for random sets of user-class keys, goalFor gives exactly the configured field
        // where there is one and the class's otherwise, and the set reads back from its properties.
        Random random = new Random(20_261_204L);
        List<String> users = List.of("gold", "silver", "bronze", "standard", "a-1");
        for (int round = 0; round < 300; round++) {
            Map<String, String> p = new HashMap<>(ClusterConfig.defaults().goals().properties());
            Map<String, Integer> given = new HashMap<>();
            for (String c : List.of("browse", "checkout", "default")) {
                for (String u : users) {
                    for (String field : List.of("p95-ms", "priority")) {
                        if (random.nextInt(4) == 0) {
                            int v = field.equals("priority") ? random.nextInt(101) : 1 + random.nextInt(5000);
                            p.put("qos.class." + c + ".user." + u + "." + field, Integer.toString(v));
                            given.put(c + "/" + u + "/" + field, v);
                        }
                    }
                }
            }
            GoalSet goals = GoalSet.parse(p);
            assertEquals(goals, GoalSet.parse(goals.properties()));
            for (ServiceClass c : goals.classes()) {
                for (String u : users) {
                    ServiceClass g = goals.goalFor(c, u);
                    assertEquals(given.getOrDefault(c.name() + "/" + u + "/p95-ms", c.p95Millis()), g.p95Millis());
                    assertEquals(given.getOrDefault(c.name() + "/" + u + "/priority", c.priority()), g.priority());
                    assertEquals(c.name(), g.name());
                    assertEquals(c.maxConcurrency(), g.maxConcurrency());
                }
            }
        }
    }

    @Test
    void shouldTellWhatChangedForAUserClass() {
        Map<String, String> p = new HashMap<>(ClusterConfig.defaults().goals().properties());
        p.put("qos.class.checkout.user.gold.priority", "80");
        p.put("qos.class.checkout.user.silver.priority", "60");
        GoalSet before = GoalSet.parse(p);
        p.put("qos.class.checkout.user.gold.priority", "95");
        p.remove("qos.class.checkout.user.silver.priority");
        p.put("qos.class.browse.user.gold.p95-ms", "100");
        GoalSet after = GoalSet.parse(p);
        assertEquals(List.of("added browse user gold (p95-ms 100, priority 50)", "checkout user gold: priority 80 -> 95",
                "removed checkout user silver"), GoalDiff.between(before, after).changes());
        assertFalse(before.fingerprint().equals(after.fingerprint()));
    }

    @Test
    void shouldMapRolesToUserClassesAndRefuseAmbiguousOnes() {
        UserClassRoles roles = UserClassRoles.parse(Map.of("qos.user-class.role.gold", "premium, vip", "qos.user-class.role.silver",
                "member", "qos.other", "x"));
        assertEquals(java.util.Optional.of("gold"), roles.userClass(r -> r.equals("vip")));
        assertEquals(java.util.Optional.of("gold"), roles.userClass(r -> r.equals("vip") || r.equals("member")), "name order");
        assertEquals(java.util.Optional.of("silver"), roles.userClass(r -> r.equals("member")));
        assertEquals(java.util.Optional.empty(), roles.userClass(r -> r.equals("guest")));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> UserClassRoles.parse(Map.of(
                "qos.user-class.role.Gold", "premium", "qos.user-class.role.gold", "premium,bad role",
                "qos.user-class.role.silver", "premium")));
        String m = String.join("\n", e.problems());
        assertTrue(m.contains("qos.user-class.role.Gold: 'Gold' is not a user class name"), m);
        assertTrue(m.contains("qos.user-class.role.gold: 'bad role' is not a role name"), m);
        assertTrue(m.contains("qos.user-class.role.silver: role 'premium' is already the role of user class 'gold'"), m);
        InvalidConfigException c = assertThrows(InvalidConfigException.class,
                () -> ClusterConfig.from(Map.of("qos.user-class.role.gold", "a b")));
        assertTrue(c.getMessage().contains("qos.user-class.role.gold: 'a b' is not a role name"), c.getMessage());
        assertTrue(ClusterConfig.from(Map.of("qos.user-class.role.gold", "premium")).properties().containsKey("qos.user-class.role.gold"));
    }
}
