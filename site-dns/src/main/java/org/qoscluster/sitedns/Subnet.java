package org.qoscluster.sitedns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

import org.xbill.DNS.Address;

/**
 * An address prefix such as {@code 10.1.0.0/16} or {@code 2001:db8::/32}; also a client, as its
 * address with the prefix length it was given by (32 or 128 for a source address, the EDNS
 * Client Subnet's source prefix length otherwise).
 */
public record Subnet(InetAddress network, int prefixLength) {

    public Subnet {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is not from 0 to " + bits);
        }
        network = masked(network, prefixLength);
    }

    /** One address on its own. */
    public static Subnet host(InetAddress address) {
        return new Subnet(address, address.getAddress().length * 8);
    }

    /**
     * Parses {@code ADDRESS/LENGTH} (an address literal, never a name to resolve).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static Subnet parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' is not ADDRESS/PREFIX-LENGTH");
        }
        InetAddress address = literal(text.substring(0, slash));
        try {
            return new Subnet(address, Integer.parseInt(text.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no whole-number prefix length", e);
        }
    }

    /**
     * An IPv4 or IPv6 address literal.
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static InetAddress literal(String text) {
        try {
            return Address.getByAddress(text.strip());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address", e);
        }
    }

    /**
     * True when every address of {@code client} lies inside this subnet: the same family, a
     * client prefix at least as long as this one, and the same leading bits.
     */
    public boolean covers(Subnet client) {
        return client.network.getAddress().length == network.getAddress().length
                && client.prefixLength >= prefixLength
                && masked(client.network, prefixLength).equals(network);
    }

    private static InetAddress masked(InetAddress address, int prefixLength) {
        byte[] bytes = address.getAddress();
        for (int i = 0; i < bytes.length; i++) {
            int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
            bytes[i] = (byte) (bytes[i] & (0xff << (8 - keep)));
        }
        try {
            return Arrays.equals(bytes, address.getAddress()) ? address : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + bytes.length + " bytes", e);
        }
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
