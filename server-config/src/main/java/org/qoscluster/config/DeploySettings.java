package org.qoscluster.config;

import java.util.Map;

/**
 * The settings of deployments into running nodes ({@code qos.deploy.*}): the largest WAR a node
 * takes over the network ({@value #MAX_WAR_MB}, in MB). The launcher checks a WAR against it
 * before sending it; each node's group service refuses a larger body (413) whatever sends it.
 */
public record DeploySettings(long maxWarBytes) {

    public static final String MAX_WAR_MB = "qos.deploy.max-war-mb";

    public DeploySettings {
        if (maxWarBytes < 1) {
            throw new IllegalArgumentException("maxWarBytes must be positive: " + maxWarBytes);
        }
    }

    /** Reads and validates the settings; a bad value is named in an {@link InvalidConfigException}. */
    public static DeploySettings of(ClusterConfig config) {
        SettingsReader r = new SettingsReader(config, Map.of());
        int mb = r.intIn(MAX_WAR_MB, 1, 4096);
        r.check();
        return new DeploySettings(mb * 1024L * 1024L);
    }
}
