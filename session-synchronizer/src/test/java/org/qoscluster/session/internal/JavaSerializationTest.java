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
    private final SessionSettings settings = SessionSettings.of(ClusterConfig.defaults(),
            Map.of(ClusterConfig.SECRET_UID_KEY, "k".repeat(32)), "node-1");

    @Test
    void shouldReadBackJavaValueTypes() throws Exception {
        List<Object> cart = new ArrayList<>(List.of("apple", 3, java.time.Instant.ofEpochSecond(5)));
        assertEquals(cart, JavaSerialization.deserialize(JavaSerialization.serialize("cart", cart), LOADER, settings.attributeFilter()));
    }

    @Test
    void shouldRefuseAKnownGadgetClassEvenInsideAnAllowedOne() {
        byte[] bytes = JavaSerialization.serialize("evil", new ArrayList<>(List.of(new BadAttributeValueExpException("x"))));
        InvalidClassException e = assertThrows(InvalidClassException.class,
                () -> JavaSerialization.deserialize(bytes, LOADER, settings.attributeFilter()));
        assertTrue(e.getMessage().contains("REJECTED"), e.getMessage());
    }

    @Test
    void shouldRefuseAClassOutsideTheAllowedPackages() {
        byte[] bytes = JavaSerialization.serialize("date", new javax.swing.text.SimpleAttributeSet());
        assertThrows(InvalidClassException.class, () -> JavaSerialization.deserialize(bytes, LOADER, settings.attributeFilter()));
    }
}
