package org.qoscluster.sitedns;

import java.io.StringReader;
import java.util.Optional;
import java.util.OptionalLong;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

/**
 * What one answer of a site router's status page ({@code GET /qrs/site}) says, read without I/O.
 * The site can serve when the status is 200 and the body is a JSON object whose
 * {@code "available"} is {@code true}; anything else (503, another status, {@code false}, no
 * such field, a body that is not JSON) is a failed probe, with the reason. One more field is read,
 * and it is optional: {@code "spareCapacity"}, a whole number at least 0 (how many more clients
 * the site can take, for the load policy). Every other field is the router's business and is
 * ignored.
 *
 * @param available the site says it can serve
 * @param spareCapacity the spare capacity it reports, when it reports one
 * @param problem why the probe failed, when it did
 */
public record StatusPage(boolean available, OptionalLong spareCapacity, Optional<String> problem) {

    /** Reads an answer with HTTP status {@code status} and body {@code body}. */
    public static StatusPage read(int status, String body) {
        if (status != 200) {
            return failed("status " + status);
        }
        JsonObject json;
        try (JsonReader r = Json.createReader(new StringReader(body))) {
            json = r.readObject();
        } catch (JsonException | IllegalStateException e) {
            return failed("status 200 but the body is not a JSON object: " + e.getMessage());
        }
        if (json.get("available") != JsonValue.TRUE) {
            return failed("status 200 but \"available\" is " + json.get("available") + ", not true");
        }
        OptionalLong spare = OptionalLong.empty();
        if (json.get("spareCapacity") instanceof JsonNumber n && n.isIntegral() && n.longValue() >= 0) {
            spare = OptionalLong.of(n.longValue());
        }
        return new StatusPage(true, spare, Optional.empty());
    }

    private static StatusPage failed(String problem) {
        return new StatusPage(false, OptionalLong.empty(), Optional.of(problem));
    }
}
