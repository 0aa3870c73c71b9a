package org.qoscluster.contract;

/**
 * A group coordinator's answer to an operator's request: an HTTP status and a message for the
 * operator (any text, spaces and separators included).
 *
 * <p>Shared form, in the map {@link ClusterMaps#REQUESTS}: key the request's id, value
 * {@link #encode()} ({@code STATUS MESSAGE}, split at the first space).
 */
public record RequestAnswer(int status, String message) {

    private static final String RECORD = "request answer";

    public RequestAnswer {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException(RECORD + ": status " + status + " is not in 100..599");
        }
        if (message == null) {
            throw new IllegalArgumentException(RECORD + ": no message");
        }
    }

    /** {@code STATUS MESSAGE}. */
    public String encode() {
        return status + " " + message;
    }

    /** The answer in {@code value}; fails naming what is wrong with it. */
    public static RequestAnswer parse(String value) {
        Fields r = Fields.of(RECORD, value);
        int space = value.indexOf(' ');
        if (space < 0) {
            throw r.malformed("no space between STATUS and MESSAGE");
        }
        int status = r.smallNumber("status", value.substring(0, space));
        return r.build(() -> new RequestAnswer(status, value.substring(space + 1)));
    }

    /** The answer in {@code value}; empty for null or a malformed value (see {@link #parse} for why). */
    public static java.util.Optional<RequestAnswer> decode(String value) {
        try {
            return value == null ? java.util.Optional.empty() : java.util.Optional.of(parse(value));
        } catch (MalformedValueException e) {
            return java.util.Optional.empty();
        }
    }
}
