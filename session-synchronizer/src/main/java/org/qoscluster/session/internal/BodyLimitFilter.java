package org.qoscluster.session.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.json.Json;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.config.MemberProperties;

/**
 * Refuses a request body over {@value ClusterConfig#HTTP_MAX_BODY_BYTES} on a node with 413
 * before the application reads it, as the router does: a Content-Length over the limit before a
 * byte is read, a chunked body once its count passes the limit (such a body is read whole,
 * at most the limit, and handed on from memory). Payara's own {@code max-post-size-bytes}
 * bounds form parameters only, not a JSON body read as a stream.
 */
public final class BodyLimitFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = Logger.getLogger(BodyLimitFilter.class.getName());
    private int maxBytes;

    @Override
    public void init(FilterConfig config) {
        maxBytes = MemberProperties.read(ConfigProvider.getConfig()).cluster().maxBodyBytes();
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        long length = req.getContentLengthLong();
        if (length > maxBytes) {
            refuse(req, resp, "request body of " + length + " bytes");
            return;
        }
        if (length < 0 && "chunked".equalsIgnoreCase(req.getHeader("Transfer-Encoding"))) {
            byte[] body = readAtMost(req.getInputStream(), maxBytes);
            if (body == null) {
                refuse(req, resp, "chunked request body");
                return;
            }
            chain.doFilter(new BufferedBody(req, body), resp);
            return;
        }
        chain.doFilter(req, resp);
    }

    private void refuse(HttpServletRequest req, HttpServletResponse resp, String what) throws IOException {
        LOG.log(Level.INFO, "{0} to {1} from {2} refused: over {3} bytes",
                new Object[] {what, req.getRequestURI(), req.getRemoteAddr(), String.valueOf(maxBytes)});
        resp.setStatus(413);
        resp.setHeader("Connection", "close");
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(Json.createObjectBuilder().add("status", 413)
                .add("error", what + " is over the limit of " + maxBytes + " bytes (" + ClusterConfig.HTTP_MAX_BODY_BYTES + ")")
                .build().toString());
    }

    /** The whole stream, or null once it passes {@code max} bytes (the rest left unread). */
    static byte[] readAtMost(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            if ((long) out.size() + n > max) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** A request whose body has been read into memory. */
    private static final class BufferedBody extends HttpServletRequestWrapper {
        private final byte[] body;

        BufferedBody(HttpServletRequest req, byte[] body) {
            super(req);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new IllegalStateException("the body was already read into memory");
                }
            };
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
