package org.qoscluster.contract;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A log message with parameters and a throwable, which {@link Logger} has no method for: its
 * {@code log(Level, String, Object[])} takes no throwable and its {@code log(Level, String, Throwable)}
 * no parameters.
 */
public final class Logs {

    private static final StackWalker CALLER = StackWalker.getInstance();

    private Logs() {
    }

    /**
     * Logs {@code pattern} with {@code params} and {@code thrown} on {@code logger} at {@code level},
     * if the logger logs that level. The pattern is a {@link java.text.MessageFormat} pattern, as for
     * {@link Logger#log(Level, String, Object[])}: {@code {0}} is the first parameter, a single quote
     * is written {@code ''}. The record names the caller as its source.
     */
    public static void log(Logger logger, Level level, Throwable thrown, String pattern, Object... params) {
        if (!logger.isLoggable(level)) {
            return;
        }
        LogRecord record = new LogRecord(level, pattern);
        record.setLoggerName(logger.getName());
        record.setParameters(params.clone());
        record.setThrown(thrown);
        CALLER.walk(frames -> frames.skip(1).findFirst()).ifPresent(caller -> {
            record.setSourceClassName(caller.getClassName());
            record.setSourceMethodName(caller.getMethodName());
        });
        logger.log(record);
    }
}
