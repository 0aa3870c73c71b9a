package org.qoscluster.config;

import java.io.ObjectInputFilter;
import java.util.List;

/**
 * The Java deserialization filters of the cluster, as JDK filter patterns
 * ({@link ObjectInputFilter.Config#createFilter}): what a member may turn back into objects from
 * bytes another process sent.
 *
 * <p>Two, because Payara leaves no narrower place for one. Payara replaces Hazelcast's Java
 * serializer with its own, which takes no class-name filter, so Hazelcast's
 * {@code JavaSerializationFilterConfig} never applies on a Payara member; the JVM-wide filter
 * ({@code -Djdk.serialFilter}) is the one that reaches Hazelcast's deserialization. It also
 * reaches Payara's own: its naming service copies every object bound in JNDI through Java
 * serialization (resource references, the application's own bindings), so it refuses the
 * packages of known gadget chains and admits the rest; an allow-list there stopped the nodes'
 * managed executors from binding. The session store deserializes the attributes itself, and its
 * filter is an allow-list: Java's value types ({@code java.*}) and
 * {@value ClusterConfig#SERIALIZATION_ALLOW} (the application's packages), nothing else.
 */
public final class SerialFilters {

    /** Resource limits of a session attribute: a deep or huge object graph is refused before it costs the node its memory. */
    private static final String LIMITS = "maxdepth=64;maxrefs=1000000;maxbytes=67108864;maxarray=16777216";
    /** The JVM-wide limit: only the depth, which no legitimate object graph of Payara's comes near. */
    private static final String JVM_LIMITS = "maxdepth=1000";
    /**
     * Packages of known gadget chains (ysoserial and its successors), refused everywhere: JMX and
     * RMI classes, XSLT templates, and libraries an application may bundle.
     */
    public static final List<String> REFUSED = List.of("javax.management.**", "java.rmi.**", "sun.rmi.**",
            "com.sun.jndi.**", "com.sun.rowset.**", "com.sun.org.apache.xalan.**", "org.apache.xalan.**",
            "org.apache.commons.collections.functors.*", "org.apache.commons.collections4.functors.*",
            "org.apache.commons.beanutils.**", "org.codehaus.groovy.runtime.**", "org.springframework.**",
            "org.hibernate.**", "com.mchange.**", "org.mozilla.javascript.**", "bsh.**", "clojure.**",
            "org.python.**", "net.sf.json.**", "com.alibaba.fastjson.**");
    /** Refused in session attributes besides {@link #REFUSED}: JNDI references (Payara's naming service needs them JVM-wide). */
    private static final List<String> REFUSED_IN_ATTRIBUTES = List.of("javax.naming.**");

    private SerialFilters() {
    }

    /** The value of {@code -Djdk.serialFilter} on every member's JVM and the replication agent's. */
    public static String jvmWide() {
        StringBuilder p = new StringBuilder(JVM_LIMITS);
        REFUSED.forEach(r -> p.append(";!").append(r));
        return p.toString();
    }

    /** The filter of a session attribute's bytes: the application's classes and Java's value types only. */
    public static ObjectInputFilter sessionAttributes(ClusterConfig config) {
        StringBuilder p = new StringBuilder(LIMITS);
        REFUSED.forEach(r -> p.append(";!").append(r));
        REFUSED_IN_ATTRIBUTES.forEach(r -> p.append(";!").append(r));
        p.append(";java.**");
        config.serializationAllowed().forEach(a -> p.append(';').append(a));
        return ObjectInputFilter.Config.createFilter(p.append(";!*").toString());
    }
}
