package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.GoalSet;
import org.qoscluster.qrs.GoalState;

class GoalWatcherTest {

    private static String xml(String browseP95) {
        return "<domain><configs><config name=\"server-config\">"
                + "<property name=\"payara.microprofile.qos.class.browse.p95-ms\" value=\"" + browseP95 + "\"/>"
                + "<property name=\"payara.microprofile.qos.class.default.p95-ms\" value=\"1000\"/>"
                + "</config></configs></domain>";
    }

    @Test
    void shouldTakeTheFilesGoalsWhenItsBytesChangeAndKeepThemWhenItIsGone(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("domain.xml");
        Files.writeString(file, xml("200"));
        GoalSet start = ClusterConfig.defaults().goals();
        AtomicReference<GoalState> state = new AtomicReference<>(GoalState.initial(start, Instant.EPOCH));
        GoalWatcher w = new GoalWatcher(file, state, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC), Thread::new);
        w.poll();
        assertEquals(200, state.get().goals().named("browse").orElseThrow().p95Millis());
        assertTrue(state.get().goals().named("checkout").isEmpty(), "the file's classes are the whole set");
        GoalState loaded = state.get();
        w.poll();
        assertSame(loaded, state.get(), "the same bytes are not read again");

        Files.writeString(file, xml("-1"));
        w.poll();
        assertTrue(state.get().refused());
        assertTrue(state.get().lastError().contains("qos.class.browse.p95-ms: '-1' is out of range"), state.get().lastError());
        assertSame(loaded.goals(), state.get().goals());

        Files.delete(file);
        w.poll();
        assertTrue(state.get().lastError().startsWith("cannot read " + file), state.get().lastError());
        assertSame(loaded.goals(), state.get().goals());
        Files.writeString(file, xml("300"));
        w.poll();
        assertEquals(300, state.get().goals().named("browse").orElseThrow().p95Millis());
        w.close();
    }
}
