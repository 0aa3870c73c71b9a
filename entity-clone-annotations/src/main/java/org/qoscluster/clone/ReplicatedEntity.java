package org.qoscluster.clone;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a JPA entity whose reads may be served by a replica (M7). At compile time the clone
 * generator ({@code entity-clone-generator} on the annotation processor path) writes, beside
 * the entity {@code NAME}:
 * <ul>
 * <li>{@code NAMEReadOnly}, the read-only clone (CEBR): {@code find(id)} and {@code read(work)}
 * on the replica persistence unit, outside any transaction;</li>
 * <li>{@code NAMEReadWrite}, the read-write clone (CEBRW), which the application uses instead of
 * its entity manager for this entity: reads go to the read-only clone when
 * {@link ReadRouting#replicaMayServe()} says so (and to the master if the replica fails) and to
 * the master otherwise; {@code persist}, {@code merge} and {@code remove} go to the
 * master and report their commit sequence to {@link ReadRouting#wrote}.</li>
 * </ul>
 * The entity itself is not changed.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ReplicatedEntity {

    /** The master persistence unit (the application's own). */
    String unit();

    /** The replica persistence unit; empty means {@code unit() + "-replica"}. */
    String replicaUnit() default "";
}
