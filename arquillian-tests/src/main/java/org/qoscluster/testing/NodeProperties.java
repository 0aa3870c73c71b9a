package org.qoscluster.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Extra {@code qos.*} settings, each {@code KEY=VALUE}, laid over the defaults for the node
 * {@link SingleNodeDatabase} configures (an application's {@code qos.serialization.allow}, for
 * example).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
public @interface NodeProperties {

    /** Each {@code KEY=VALUE}. */
    String[] value();
}
