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
        Map<String, String> all = new HashMap<>();
        for (String key : mp.getPropertyNames()) {
            if (key.startsWith("qos.")) {
                // MicroProfile Config answers an empty value as missing; here it is a setting
                // (`qos.db.replica.ports=`: no replicas), which a default must not replace.
                all.put(key, mp.getOptionalValue(key, String.class).orElse(""));
            }
        }
        return of(all);
    }

    /**
     * Validates what a member was configured with, from its properties by key: the {@code qos.*}
     * ones of its {@code domain.xml} and the {@code qos.secret.*} values; an
     * {@link InvalidConfigException} names every bad key.
     */
    public static MemberProperties of(Map<String, String> properties) {
        Map<String, String> qos = new HashMap<>();
        Map<String, String> secrets = new HashMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith(ClusterConfig.SECRET_PREFIX)) {
                // A secret file written by hand usually ends with a newline: no secret has
                // surrounding whitespace, so every reader gets the same value the router compares.
                secrets.put(key, value.strip());
            } else if (key.startsWith("qos.") && !key.startsWith("qos.member.")) {
                qos.put(key, value);
            }
        });
        return new MemberProperties(ClusterConfig.fromEffective(qos), secrets, properties.get(PayaraMemberConfig.MEMBER_NAME_KEY));
    }
}
