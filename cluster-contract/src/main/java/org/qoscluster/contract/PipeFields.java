package org.qoscluster.contract;

import java.util.Optional;

/** The shared-map values of this package: fields joined by {@code |}, read back strictly. */
final class PipeFields {

    private PipeFields() {
    }

    /** The {@code count} fields of {@code value}; empty for null or another number of fields. */
    static Optional<String[]> split(String value, int count) {
        if (value == null) {
            return Optional.empty();
        }
        String[] parts = value.split("\\|", -1);
        return parts.length == count ? Optional.of(parts) : Optional.empty();
    }
}
