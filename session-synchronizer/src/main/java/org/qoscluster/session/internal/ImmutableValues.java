package org.qoscluster.session.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Set;
import java.util.UUID;

/**
 * Values whose serialized form cannot change once they are made: an attribute the application
 * only read and that holds one is unchanged without serializing it again to compare. Exact
 * classes only (a subclass of {@code BigInteger} may be mutable); every enum constant (only its
 * name is serialized); the value classes of {@code java.time}, which are final and immutable.
 */
final class ImmutableValues {

    private static final Set<Class<?>> CLASSES = Set.of(String.class, Boolean.class, Character.class, Byte.class,
            Short.class, Integer.class, Long.class, Float.class, Double.class, BigInteger.class, BigDecimal.class,
            UUID.class);

    private ImmutableValues() {
    }

    static boolean immutable(Object value) {
        return value != null && (CLASSES.contains(value.getClass()) || value instanceof Enum<?>
                || value.getClass().getPackageName().equals("java.time"));
    }
}
