package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

class LogsTest {

    /** The records a logger of its own publishes, kept so the test reads them as a handler would. */
    private static final class Kept extends Handler {
        final List<LogRecord> records = new ArrayList<>();

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private static Logger logger(Kept kept, Level level) {
        Logger logger = Logger.getAnonymousLogger();
        logger.setUseParentHandlers(false);
        logger.setLevel(level);
        logger.addHandler(kept);
        return logger;
    }

    @Test
    void shouldLogTheMessageWithItsParametersAndTheThrowable() {
        Kept kept = new Kept();
        IOException cause = new IOException("connection reset");
        Logs.log(logger(kept, Level.INFO), Level.WARNING, cause, "member={0} beat of {1} failed: the member''s view is {2}", "node-1",
                "group 'a'", "{0}");

        assertEquals(1, kept.records.size());
        LogRecord r = kept.records.get(0);
        assertEquals("member=node-1 beat of group 'a' failed: the member's view is {0}",
                new SimpleFormatter().formatMessage(r));
        assertEquals(Level.WARNING, r.getLevel());
        assertSame(cause, r.getThrown());
        assertTrue(new SimpleFormatter().format(r).contains("java.io.IOException: connection reset"));
    }

    @Test
    void shouldNameTheCallerAsTheSource() {
        Kept kept = new Kept();
        Logs.log(logger(kept, Level.ALL), Level.FINE, new IllegalStateException(), "request={0} client gone", "r1");

        LogRecord r = kept.records.get(0);
        assertEquals(LogsTest.class.getName(), r.getSourceClassName());
        assertEquals("shouldNameTheCallerAsTheSource", r.getSourceMethodName());
    }

    @Test
    void shouldLogNothingBelowTheLoggersLevel() {
        Kept kept = new Kept();
        Logs.log(logger(kept, Level.INFO), Level.FINE, new IllegalStateException(), "request={0} client gone", "r1");

        assertEquals(List.of(), kept.records);
    }
}
