package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class NodeAppTest {

    @Test
    void shouldRoundTripAListInOrder() {
        List<NodeApp> apps = List.of(new NodeApp("store", "/"), new NodeApp("ledger-1.2", "/books/ledger"));
        assertEquals("store=/,ledger-1.2=/books/ledger", NodeApp.encode(apps));
        assertEquals(apps, NodeApp.decode(NodeApp.encode(apps)));
        assertEquals(List.of(), NodeApp.decode(""));
    }

    @Test
    void shouldNameWhatIsWrong() {
        assertTrue(NodeApp.problem("../x", "/x").orElseThrow().contains("'../x' is not an application name"));
        assertTrue(NodeApp.problem("group-service", "/g").orElseThrow().contains("cluster's own service"));
        assertTrue(NodeApp.problem("a", "x").orElseThrow().contains("'x' is not a context root"));
        assertTrue(NodeApp.problem("a", "/a/../b").orElseThrow().contains("is not a context root"));
        assertTrue(NodeApp.problem("a", "/a/").orElseThrow().contains("is not a context root"));
        assertTrue(NodeApp.problem("a", "/qos-group").orElseThrow().contains("reserved"));
        assertTrue(NodeApp.problem("a", "/qrs/x").orElseThrow().contains("reserved"));
        assertTrue(NodeApp.problem("a", "/qrsx").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> NodeApp.decode("store"));
        assertThrows(IllegalArgumentException.class, () -> NodeApp.decode("store=/,x=/qrs"));
    }
}
