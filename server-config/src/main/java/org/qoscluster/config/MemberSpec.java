package org.qoscluster.config;

/**
 * One Payara Micro member of the cluster.
 *
 * @param name          instance name, unique in the cluster (for example {@code node-1})
 * @param role          what it runs
 * @param httpPort      HTTP port on the cluster host
 * @param hazelcastPort port of its embedded Hazelcast member on the cluster host
 */
public record MemberSpec(String name, Role role, int httpPort, int hazelcastPort, int dbProxyPort) {
}
