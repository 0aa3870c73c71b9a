package org.qoscluster.config;

/**
 * One host of the cluster ({@code qos.hosts}): a machine, or in the tests a network namespace,
 * with the one address every part placed on it listens on and is reached at.
 *
 * @param name    the host's name in the configuration, used by the placement keys
 *                ({@code qos.place.PART=NAME}) and by {@code bin/qoscluster up --host NAME}
 * @param address a literal IPv4 or IPv6 address, never a name (nothing is resolved)
 */
public record HostSpec(String name, String address) {

    /** The address as it goes before {@code :port} in a URI or a member list: an IPv6 address in brackets. */
    public String uriHost() {
        return uriHost(address);
    }

    /** {@code address} as it goes before {@code :port}: an IPv6 address (it has a colon) in brackets. */
    public static String uriHost(String address) {
        return address.indexOf(':') >= 0 && !address.startsWith("[") ? "[" + address + "]" : address;
    }
}
