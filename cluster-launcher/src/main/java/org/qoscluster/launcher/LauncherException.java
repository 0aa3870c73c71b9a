package org.qoscluster.launcher;

/** A cluster could not be started or stopped; the message says which part and why. */
public class LauncherException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LauncherException(String message) {
        super(message);
    }

    public LauncherException(String message, Throwable cause) {
        super(message, cause);
    }
}
