package org.qoscluster.qrs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.contract.UserClasses;

class UserClassSourcesTest {

    private static final Map<String, String> SECRETS = Map.of(RouterSettings.UID_KEY, "k".repeat(40),
            RouterSettings.ADMIN_TOKEN, "t".repeat(40));

    @Test
    void shouldTakeTheFirstSourceThatGivesAClass() {
        UserClassSources s = UserClassSources.parse("header,session,principal");
        assertEquals("platinum", s.resolve("platinum", new UserClasses("gold", "silver")));
        assertEquals("gold", s.resolve(null, new UserClasses("gold", "silver")));
        assertEquals("silver", s.resolve(null, new UserClasses(null, "silver")));
        assertEquals("standard", s.resolve(null, null));
        UserClassSources p = UserClassSources.parse(" principal , session");
        assertEquals("silver", p.resolve("platinum", new UserClasses("gold", "silver")), "the header is not a source here");
        assertEquals("gold", p.resolve(null, new UserClasses("gold", null)));
        assertEquals("standard", UserClassSources.parse("none").resolve("gold", new UserClasses("gold", "gold")));
        assertFalse(UserClassSources.parse("header").usesSessionRecord());
        assertTrue(UserClassSources.parse("header,principal").usesSessionRecord());
    }

    @Test
    void shouldRefuseAListThatIsNotOneNamingWhatIsWrong() {
        for (String[] bad : new String[][] {{"", "'' is not a source"}, {"header,,session", "'' is not a source"},
            {"cookie", "'cookie' is not a source"}, {"Header", "'Header' is not a source"},
            {"header,session,header", "'header' is named twice"}, {"none,header", "'none' cannot be combined"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UserClassSources.parse(bad[0]), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
        }
        String m = assertThrows(org.qoscluster.config.InvalidConfigException.class, () -> RouterSettings.of(
                ClusterConfig.from(Map.of("qos.router.user-class-source", "header,cookie")), SECRETS)).getMessage();
        assertTrue(m.contains("qos.router.user-class-source: 'header,cookie': 'cookie' is not a source"), m);
        assertEquals(List.of(UserClassSources.Source.HEADER, UserClassSources.Source.SESSION, UserClassSources.Source.PRINCIPAL),
                RouterSettings.of(ClusterConfig.defaults(), SECRETS).userClassSources().order(), "the shipped order");
    }

    @Test
    void shouldAgreeWithAPlainReadingOfTheOrderForEveryOrderAndInput() {
        // Property, seeded: for every order of any subset of the sources and any inputs, the class
        // is the first source's in that order that has one, else standard; a source not listed is
        // never used, whatever it holds.
        Random random = new Random(20_261_204L);
        List<String> names = List.of("header", "session", "principal");
        List<String> classes = java.util.Arrays.asList(null, "gold", "silver", "standard", "a-1");
        for (int round = 0; round < 2_000; round++) {
            List<String> order = new ArrayList<>(names);
            Collections.shuffle(order, random);
            order = order.subList(0, 1 + random.nextInt(3));
            UserClassSources s = UserClassSources.parse(String.join(",", order));
            assertEquals(String.join(",", order), s.toString());
            String header = classes.get(random.nextInt(classes.size()));
            String session = classes.get(random.nextInt(classes.size()));
            String principal = classes.get(random.nextInt(classes.size()));
            UserClasses stored = random.nextInt(5) == 0 ? null : new UserClasses(session, principal);
            String expected = "standard";
            for (String source : order) {
                String c = switch (source) {
                    case "header" -> header;
                    case "session" -> stored == null ? null : stored.session();
                    default -> stored == null ? null : stored.principal();
                };
                if (c != null) {
                    expected = c;
                    break;
                }
            }
            assertEquals(expected, s.resolve(header, stored), order + " " + header + " " + stored);
        }
    }
}
