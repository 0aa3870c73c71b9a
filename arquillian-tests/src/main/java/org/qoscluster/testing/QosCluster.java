package org.qoscluster.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts a real cluster (Derby network servers, clustered Payara Micro nodes running the store)
 * on free loopback ports once for the annotated test class, and stops it after the class, also
 * when a test or the start fails. Test methods and constructors take the running
 * {@link org.qoscluster.launcher.Cluster} as a parameter.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(QosClusterExtension.class)
public @interface QosCluster {

    /** Number of Payara Micro nodes. */
    int nodes() default 2;

    /** Number of replica Derby servers beside the master. */
    int replicas() default 2;

    /** Extra {@code qos.*} settings, each {@code KEY=VALUE}, laid over the defaults (ports are always free ones). */
    String[] properties() default {};
}
