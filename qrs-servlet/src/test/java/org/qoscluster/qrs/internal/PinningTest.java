package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.qrs.NodeRecord;
import org.qoscluster.qrs.RouterSettings;

/** M10: a user with a state-change flag stays on the node that wrote until every replica has the write. */
class PinningTest {

    private static final Map<String, String> SECRETS = Map.of(RouterSettings.UID_KEY, "k".repeat(43),
            RouterSettings.ADMIN_TOKEN, "t".repeat(43));

    private final Map<String, StateChangeFlag> flags = new HashMap<>();
    private final Map<String, ReplicaWatermark> watermarks = new HashMap<>();

    private Optional<String> pinned(ClusterConfig config, String uid) {
        RouterRuntime router = new RouterRuntime(RouterSettings.of(config, SECRETS), u -> Optional.ofNullable(flags.get(u)),
                () -> Map.copyOf(watermarks), System::nanoTime);
        return router.pinnedNode(uid).map(NodeRecord::name);
    }

    @Test
    void shouldPinUntilEveryReplicasWatermarkCoversTheWrite() {
        ClusterConfig config = ClusterConfig.defaults(); // two replicas
        flags.put("ada", new StateChangeFlag("node-2", 500, 1));
        assertEquals(Optional.of("node-2"), pinned(config, "ada"), "no watermark known yet");
        watermarks.put("replica-1", new ReplicaWatermark(501, 1, 0));
        assertEquals(Optional.of("node-2"), pinned(config, "ada"), "replica-2 has not told");
        watermarks.put("replica-2", new ReplicaWatermark(500, 1, 0));
        assertEquals(Optional.of("node-2"), pinned(config, "ada"), "replica-2 is at 500: the write is not below its mark");
        watermarks.put("replica-2", new ReplicaWatermark(640, 1, 0));
        assertEquals(Optional.empty(), pinned(config, "ada"), "both have it: routed by goal again");
        assertEquals(Optional.empty(), pinned(config, "bob"), "no flag, no pin");
    }
}
