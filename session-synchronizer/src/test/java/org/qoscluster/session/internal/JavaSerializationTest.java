package org.qoscluster.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InvalidClassException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.management.BadAttributeValueExpException;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.session.SessionSettings;

class JavaSerializationTest {

    private static final ClassLoader LOADER = JavaSerializationTest.class.getClassLoader();
    /** What a writer without the check would write (a node of another configuration, a forger). */
    private static final java.io.ObjectInputFilter ANYTHING = java.io.ObjectInputFilter.Config.createFilter("*");
    private final SessionSettings settings = SessionSettings.of(ClusterConfig.defaults(),
            Map.of(ClusterConfig.SECRET_UID_KEY, "k".repeat(32)), "node-1");

    @Test
    void shouldReadBackJavaValueTypes() throws Exception {
        List<Object> cart = new ArrayList<>(List.of("apple", 3, java.time.Instant.ofEpochSecond(5)));
        assertEquals(cart, JavaSerialization.deserialize(JavaSerialization.serialize("cart", cart, settings.attributeFilter()), LOADER, settings.attributeFilter()));
    }

    @Test
    void shouldWriteTheSameBytesWhateverSizeItExpects() {
        java.util.Random random = new java.util.Random(2);
        for (int i = 0; i < 200; i++) {
            byte[] blob = new byte[random.nextInt(70_000)];
            random.nextBytes(blob);
            byte[] plain = JavaSerialization.serialize("blob", blob, settings.attributeFilter());
            for (int expected : new int[] {0, plain.length - 1, plain.length, plain.length + 1, random.nextInt(140_000)}) {
                byte[] hinted = JavaSerialization.serialize("blob", blob, settings.attributeFilter(), expected);
                assertTrue(java.util.Arrays.equals(plain, hinted), "expected " + expected + " for " + plain.length + " bytes");
            }
        }
    }

    @Test
    void shouldRefuseAKnownGadgetClassEvenInsideAnAllowedOne() {
        byte[] bytes = JavaSerialization.serialize("evil", new ArrayList<>(List.of(new BadAttributeValueExpException("x"))), ANYTHING);
        InvalidClassException e = assertThrows(InvalidClassException.class,
                () -> JavaSerialization.deserialize(bytes, LOADER, settings.attributeFilter()));
        assertTrue(e.getMessage().contains("REJECTED"), e.getMessage());
    }

    @Test
    void shouldRefuseAClassOutsideTheAllowedPackages() {
        byte[] bytes = JavaSerialization.serialize("date", new javax.swing.text.SimpleAttributeSet(), ANYTHING);
        InvalidClassException e = assertThrows(InvalidClassException.class,
                () -> JavaSerialization.deserialize(bytes, LOADER, settings.attributeFilter()));
        assertTrue(e.getMessage().startsWith("javax.swing.text.SimpleAttributeSet; not allowed in sessions"), e.getMessage());
    }

    @Test
    void shouldRefuseToStoreAValueHoldingAClassOutsideTheAllowedPackagesNamingAttributeAndClass() {
        List<Object> held = new ArrayList<>(List.of("ok", new javax.swing.text.SimpleAttributeSet()));
        SessionStoreException e = assertThrows(SessionStoreException.class,
                () -> JavaSerialization.serialize("basket", held, settings.attributeFilter()));
        assertTrue(e.getMessage().startsWith("session attribute 'basket' (java.util.ArrayList) cannot be stored in the cluster: class "
                + "javax.swing.text.SimpleAttributeSet is not allowed in sessions"), e.getMessage());
        assertTrue(e.getMessage().contains("qos.serialization.allow"), e.getMessage());
    }

    @Test
    void shouldRefuseToStoreAKnownGadgetClassInsideAnAllowedOne() {
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> JavaSerialization.serialize("evil",
                new ArrayList<>(List.of(new BadAttributeValueExpException("x"))), settings.attributeFilter()));
        assertTrue(e.getMessage().contains("class javax.management.BadAttributeValueExpException is not allowed"), e.getMessage());
    }

    @Test
    void shouldStoreAClassOfAPackageTheSettingAllows() throws Exception {
        SessionSettings allowing = SessionSettings.of(ClusterConfig.from(Map.of("qos.serialization.allow",
                "org.qoscluster.**;javax.swing.text.*")), Map.of(ClusterConfig.SECRET_UID_KEY, "k".repeat(32)), "node-1");
        byte[] bytes = JavaSerialization.serialize("style", new javax.swing.text.SimpleAttributeSet(), allowing.attributeFilter());
        assertTrue(JavaSerialization.deserialize(bytes, LOADER, allowing.attributeFilter()) instanceof javax.swing.text.SimpleAttributeSet);
    }

    @Test
    void shouldTellWhetherTheFilterRefusesAValuesOwnClass() {
        assertTrue(JavaSerialization.refuses(settings.attributeFilter(), javax.swing.text.SimpleAttributeSet.class));
        assertTrue(!JavaSerialization.refuses(settings.attributeFilter(), ArrayList.class));
        assertTrue(!JavaSerialization.refuses(settings.attributeFilter(), String[].class));
        assertTrue(JavaSerialization.refuses(settings.attributeFilter(), javax.swing.text.SimpleAttributeSet[].class));
    }
}
