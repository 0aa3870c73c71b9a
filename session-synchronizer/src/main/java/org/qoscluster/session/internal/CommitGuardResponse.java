package org.qoscluster.session.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * Runs a hook once, just before the response can start going to the client: at the first body
 * byte or character, a flush, a redirect or an error. The Session Synchronizer stores the session
 * there, so a client that has seen the response will find the session changed on any node, and a
 * new identity cookie can still be added. (Storing at the first byte is early rather than late:
 * anything the application changes afterwards is stored when the request ends.)
 */
final class CommitGuardResponse extends HttpServletResponseWrapper {

    private final Runnable beforeCommit;
    private boolean fired;
    private ServletOutputStream out;
    private PrintWriter writer;

    CommitGuardResponse(HttpServletResponse response, Runnable beforeCommit) {
        super(response);
        this.beforeCommit = beforeCommit;
    }

    void fire() {
        if (!fired) {
            fired = true;
            beforeCommit.run();
        }
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
        fire();
        super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
        fire();
        super.sendError(sc);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        fire();
        super.sendRedirect(location);
    }

    @Override
    public void flushBuffer() throws IOException {
        fire();
        super.flushBuffer();
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (out == null) {
            out = new GuardedStream(super.getOutputStream());
        }
        return out;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            writer = new PrintWriter(new GuardedWriter(super.getWriter()));
        }
        return writer;
    }

    private final class GuardedStream extends ServletOutputStream {
        private final ServletOutputStream delegate;

        GuardedStream(ServletOutputStream delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(int b) throws IOException {
            fire();
            delegate.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            fire();
            delegate.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            fire();
            delegate.flush();
        }

        @Override
        public void close() throws IOException {
            fire();
            delegate.close();
        }

        @Override
        public boolean isReady() {
            return delegate.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            delegate.setWriteListener(listener);
        }
    }

    private final class GuardedWriter extends Writer {
        private final PrintWriter delegate;

        GuardedWriter(PrintWriter delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(char[] cbuf, int off, int len) {
            fire();
            delegate.write(cbuf, off, len);
        }

        @Override
        public void flush() {
            fire();
            delegate.flush();
        }

        @Override
        public void close() {
            fire();
            delegate.close();
        }
    }
}
