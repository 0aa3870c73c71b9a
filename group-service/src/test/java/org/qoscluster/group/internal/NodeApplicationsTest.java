package org.qoscluster.group.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.NodeApp;

class NodeApplicationsTest {

    @Test
    void shouldKeepTheNodeOutUntilEveryApplicationIsStarted() {
        NodeApplications apps = new NodeApplications(List.of(new NodeApp("store", "/"), new NodeApp("ledger", "/ledger")));
        assertEquals(Optional.of("applications not deployed: [store, ledger]"), apps.problem(Set.of("group-service")));
        assertEquals(Optional.of("applications not deployed: [ledger]"), apps.problem(Set.of("group-service", "store")));
        assertEquals(Optional.empty(), apps.problem(Set.of("group-service", "store", "ledger")));
        apps.remove("ledger");
        assertEquals(Optional.empty(), apps.problem(Set.of("store")));
        assertEquals(Optional.of(new NodeApp("store", "/")), apps.at("/"));
    }

    @Test
    void shouldKeepADrainedNodeOutWhateverRuns() {
        NodeApplications apps = new NodeApplications(List.of(new NodeApp("store", "/")));
        apps.drain(true);
        assertEquals(Optional.of("drained by an operator"), apps.problem(Set.of("store")));
        apps.drain(false);
        assertEquals(Optional.empty(), apps.problem(Set.of("store")));
    }
}
