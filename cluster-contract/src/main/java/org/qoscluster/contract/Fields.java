package org.qoscluster.contract;

import java.util.regex.Pattern;

/**
 * Reads the fields of one shared-map value strictly, for the codecs of this package: a wrong
 * number of fields or a field that is not a number fails with a {@link MalformedValueException}
 * naming the record, the field and the value.
 */
final class Fields {

    private final String record;
    private final String value;

    private Fields(String record, String value) {
        this.record = record;
        this.value = value;
    }

    /** A reader of {@code value}, a {@code record}'s shared form. */
    static Fields of(String record, String value) {
        if (value == null) {
            throw new MalformedValueException(record, "null", "there is no value");
        }
        return new Fields(record, value);
    }

    /**
     * The fields of {@code part} (the whole value or one of its fields) between {@code separator}s:
     * exactly {@code format}'s count, else an error that echoes {@code format}.
     */
    String[] split(String part, char separator, String format) {
        String[] f = part.split(Pattern.quote(String.valueOf(separator)), -1);
        int expected = format.split(Pattern.quote(String.valueOf(separator)), -1).length;
        if (f.length != expected) {
            throw malformed("'" + part + "' has " + f.length + " field(s) where " + format + " has " + expected);
        }
        return f;
    }

    long number(String field, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw malformed(field + " '" + text + "' is not a whole number");
        }
    }

    int smallNumber(String field, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw malformed(field + " '" + text + "' is not a whole number in the int range");
        }
    }

    MalformedValueException malformed(String problem) {
        return new MalformedValueException(record, value, problem);
    }

    /**
     * Runs {@code build} (a record's constructor over the fields read), turning the constructor's
     * refusal of a field into a {@link MalformedValueException} that echoes the value.
     */
    <T> T build(java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (MalformedValueException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
    }
}
