package org.qoscluster.launcher.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/** What a group's status ({@code GET /qos-group/status} of a node, JSON) says, for those who wait on it. Pure. */
public final class GroupStatusView {

    private GroupStatusView() {
    }

    /**
     * Whether {@code status}'s timeline shows every copy but the master ready for a promotion in
     * the current epoch (the replication agent's {@code replica-readied:COPY}), each at or after
     * the time {@code since} gives it (0 when absent): its first readying since it was copied or
     * reconnected has ended, so its applies no longer wait on the readying's DDL.
     */
    public static boolean replicasReadied(JsonNode status, Map<String, Long> since) {
        List<String> copies = new ArrayList<>();
        status.path("copies").fieldNames().forEachRemaining(copies::add);
        return readied(status, copies, since);
    }

    /**
     * Whether {@code status}'s timeline shows each of {@code copies} but the master ready for a
     * promotion in the current epoch (a copy the group does not list is not).
     */
    public static boolean replicasReadied(JsonNode status, Collection<String> copies) {
        return readied(status, copies, Map.of());
    }

    private static boolean readied(JsonNode status, Collection<String> copies, Map<String, Long> since) {
        String master = status.path("master").asText();
        JsonNode events = status.path("timeline").path(status.path("epoch").asText());
        for (String name : copies) {
            if (name.equals(master)) {
                continue;
            }
            long after = since.getOrDefault(name, 0L);
            boolean readied = false;
            for (JsonNode e : events) {
                readied |= ("replica-readied:" + name).equals(e.path("event").asText()) && e.path("millis").asLong() >= after;
            }
            if (!readied) {
                return false;
            }
        }
        return true;
    }
}
