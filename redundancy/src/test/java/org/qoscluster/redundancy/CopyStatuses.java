package org.qoscluster.redundancy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.qoscluster.contract.GroupState.Copy;

/** Heartbeat statuses for tests: every copy {@code AVAILABLE} but those named, which are {@code UNAVAILABLE}. */
final class CopyStatuses {

    private CopyStatuses() {
    }

    static Map<String, CopyHealth> upBut(List<Copy> copies, String... down) {
        Map<String, CopyHealth> s = new HashMap<>();
        copies.forEach(c -> s.put(c.name(), CopyHealth.AVAILABLE));
        for (String d : down) {
            s.put(d, CopyHealth.UNAVAILABLE);
        }
        return s;
    }
}
