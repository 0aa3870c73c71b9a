package org.qoscluster.store.api;

import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.ejb.EJBException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.contract.Logs;
import org.qoscluster.session.TooManySessionsException;
import org.qoscluster.store.service.StoreException;

/** Turns every failure into a JSON {@link ApiError}; nothing leaves as an HTML error page. */
public final class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class.getName());

    private ErrorMappers() {
    }

    /** Requests the store refused. */
    @Provider
    public static class Refused implements ExceptionMapper<StoreException> {
        @Override
        public Response toResponse(StoreException e) {
            return ApiError.response(e.status(), e.getMessage());
        }
    }

    /** The cluster refused a new session for this client address (qos.session.new-per-address-per-minute). */
    @Provider
    public static class TooManySessions implements ExceptionMapper<TooManySessionsException> {
        @Override
        public Response toResponse(TooManySessionsException e) {
            Response r = ApiError.response(429, e.getMessage());
            return Response.fromResponse(r).header("Retry-After", e.retryAfterSeconds()).build();
        }
    }

    /** Errors JAX-RS itself raises: unknown path (404), wrong method (405), wrong content type (415)... */
    @Provider
    public static class Protocol implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
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
            Throwable cause = e instanceof EJBException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof StoreException refused) {
                return ApiError.response(refused.status(), refused.getMessage());
            }
            String id = UUID.randomUUID().toString().substring(0, 8);
            String node = ConfigProvider.getConfig().getOptionalValue("qos.member.name", String.class).orElse("standalone");
            Logs.log(LOG, Level.WARNING, e, "node={0} error id={1} while serving a store request", node, id);
            return ApiError.response(500, "internal error " + id + "; see the node's log");
        }
    }
}
