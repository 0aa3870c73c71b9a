package org.qoscluster.qrs.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 CIDR block; {@link #contains} takes literal addresses only (no DNS look-up). */
public final class Cidr {

    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    public static Cidr parse(String block) {
        String[] parts = block.split("/", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException("more than one '/'");
        }
        byte[] addr = literal(parts[0]);
        if (addr == null) {
            throw new IllegalArgumentException("'" + parts[0] + "' is not an IP address");
        }
        int prefix = addr.length * 8;
        if (parts.length == 2) {
            try {
                prefix = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("prefix '" + parts[1] + "' is not a number");
            }
            if (prefix < 0 || prefix > addr.length * 8) {
                throw new IllegalArgumentException("prefix " + prefix + " out of range");
            }
        }
        return new Cidr(addr, prefix);
    }

    public boolean contains(String address) {
        byte[] a = literal(address);
        if (a == null || a.length != network.length) {
            return false;
        }
        int bits = prefix;
        for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((a[i] & mask) != (network[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] literal(String s) {
        if (s == null || s.isEmpty() || !s.matches("[0-9a-fA-F.:]+")) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
