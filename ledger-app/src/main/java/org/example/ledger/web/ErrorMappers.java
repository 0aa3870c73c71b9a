package org.example.ledger.web;

import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import jakarta.json.bind.JsonbException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.NoContentException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import org.example.ledger.service.LedgerException;

/** Turns every failure into a JSON {@link ApiError} that names what was wrong. */
public final class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class.getName());

    private ErrorMappers() {
    }

    /** Requests the ledger refused. */
    @Provider
    public static class Refused implements ExceptionMapper<LedgerException> {
        @Override
        public Response toResponse(LedgerException e) {
            return ApiError.response(e.status(), e.getMessage());
        }
    }

    /** Bean Validation of a request body: 400 naming each field, {@code "amountCents: must be greater than 0"}. */
    @Provider
    public static class Invalid implements ExceptionMapper<ConstraintViolationException> {
        @Override
        public Response toResponse(ConstraintViolationException e) {
            String error = e.getConstraintViolations().stream()
                    .map(v -> field(v) + ": " + v.getMessage())
                    .sorted()
                    .collect(Collectors.joining("; "));
            return ApiError.response(400, error);
        }

        /** The field a violation is about: the last property of its path, or "body" for the body itself. */
        private static String field(ConstraintViolation<?> v) {
            String field = "body";
            for (Path.Node node : v.getPropertyPath()) {
                if (node.getKind() == ElementKind.PROPERTY) {
                    field = node.getName();
                }
            }
            return field;
        }
    }

    /** A body JSON-B cannot read (malformed, or a value of the wrong type): 400 with JSON-B's reason. */
    @Provider
    public static class Unreadable implements ExceptionMapper<ProcessingException> {
        @Override
        public Response toResponse(ProcessingException e) {
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof JsonbException)) {
                cause = cause.getCause();
            }
            return ApiError.response(400, "body: not readable JSON (" + cause.getMessage() + ")");
        }
    }

    /** Errors JAX-RS itself raises: unknown path (404), wrong method (405), wrong content type (415)... */
    @Provider
    public static class Protocol implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            if (e.getCause() instanceof NoContentException) {
                return ApiError.response(400, "body: empty; a JSON object is expected");
            }
            int status = e.getResponse().getStatus();
            String reason = e.getResponse().getStatusInfo().getReasonPhrase();
            return ApiError.response(status, reason + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    /** Anything else is a bug or an outage: logged with an id the client also sees. */
    @Provider
    public static class Unexpected implements ExceptionMapper<Exception> {
        @Override
        public Response toResponse(Exception e) {
            Throwable cause = e;
            while (cause != null) {
                if (cause instanceof LedgerException refused) {
                    return ApiError.response(refused.status(), refused.getMessage());
                }
                cause = cause.getCause();
            }
            String id = UUID.randomUUID().toString().substring(0, 8);
            LOG.log(Level.WARNING, e, () -> "error id=" + id + " while serving a ledger request");
            return ApiError.response(500, "internal error " + id + "; see the server's log");
        }
    }
}
