package org.qoscluster.config;

import java.util.HashMap;
import java.util.Map;

import org.eclipse.microprofile.config.Config;

/**
 * What a running member (router or node) was configured with, read back from MicroProfile
 * Config: the validated {@code qos.*} properties of its {@code domain.xml}, the
 * {@code qos.secret.*} values of its secrets directory, and its own name.
 *
 * @param cluster    the validated cluster configuration
 * @param secrets    every {@code qos.secret.*} value, by key, surrounding whitespace stripped (never logged)
 * @param memberName {@value PayaraMemberConfig#MEMBER_NAME_KEY}, or null when not set
 */
public record MemberProperties(ClusterConfig cluster, Map<String, String> secrets, String memberName) {

    public MemberProperties {
        secrets = Map.copyOf(secrets);
    }

    /** Reads and validates; an {@link InvalidConfigException} names every bad key. */
    public static MemberProperties read(Config mp) {
        Map<String, String> qos = new HashMap<>();
        Map<String, String> secrets = new HashMap<>();
        for (String key : mp.getPropertyNames()) {
            if (key.startsWith(ClusterConfig.SECRET_PREFIX)) {
                // A secret file written by hand usually ends with a newline: no secret has
                // surrounding whitespace, so every reader gets the same value the router compares.
                mp.getOptionalValue(key, String.class).ifPresent(v -> secrets.put(key, v.strip()));
            } else if (key.startsWith("qos.") && !key.startsWith("qos.member.")) {
                mp.getOptionalValue(key, String.class).ifPresent(v -> qos.put(key, v));
            }
        }
        String member = mp.getOptionalValue(PayaraMemberConfig.MEMBER_NAME_KEY, String.class).orElse(null);
        return new MemberProperties(ClusterConfig.fromEffective(qos), secrets, member);
    }
}
