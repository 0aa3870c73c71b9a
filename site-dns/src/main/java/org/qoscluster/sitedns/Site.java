package org.qoscluster.sitedns;

import java.net.InetAddress;
import java.util.List;

/**
 * One site as the site DNS server knows it: its name, the addresses of its router (IPv4 ones
 * answer A queries, IPv6 ones AAAA), and the client subnets the locality policy sends to it.
 */
public record Site(String name, List<InetAddress> addresses, List<Subnet> subnets) {

    public Site {
        addresses = List.copyOf(addresses);
        subnets = List.copyOf(subnets);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("site " + name + " has no address");
        }
    }
}
