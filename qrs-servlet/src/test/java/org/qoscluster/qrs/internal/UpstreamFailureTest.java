package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

class UpstreamFailureTest {

    @Test
    void shouldNeverTakeANodeDownForARequestWhoseHeadersAreTooLarge() {
        UpstreamFailure f = UpstreamFailure.of(new IllegalArgumentException("Request header too large"), false);
        assertEquals(UpstreamFailure.HEADERS_TOO_LARGE, f);
        assertEquals(431, f.status);
        assertFalse(f.nodeDown);
        assertFalse(f.notSent, "not retried: another node would refuse it too");
    }

    @Test
    void shouldTakeANodeDownOnlyWhenItCannotBeReached() {
        assertTrue(UpstreamFailure.of(new ConnectException("Connection refused"), false).nodeDown);
        assertTrue(UpstreamFailure.of(new RuntimeException(new SocketTimeoutException("Connect Timeout")), false).nodeDown);
        assertFalse(UpstreamFailure.of(new RuntimeException("Max requests queued per destination 4096 exceeded"), false).nodeDown,
                "the router's own queue being full says nothing about the node");
        assertFalse(UpstreamFailure.of(new TimeoutException("Total timeout 30000 ms elapsed"), true).nodeDown);
        assertFalse(UpstreamFailure.of(new EOFException(), true).nodeDown);
    }

    @Test
    void shouldAnswer504ForATimeOutAfterSendingAnd502ForABrokenExchange() {
        assertEquals(UpstreamFailure.TIMED_OUT, UpstreamFailure.of(new TimeoutException(), true));
        assertEquals(504, UpstreamFailure.TIMED_OUT.status);
        assertEquals(UpstreamFailure.BROKEN_AFTER_SENDING, UpstreamFailure.of(new ClosedChannelException(), true));
        assertEquals(UpstreamFailure.NOT_SENT, UpstreamFailure.of(new TimeoutException(), false));
        assertTrue(UpstreamFailure.NOT_SENT.notSent);
    }
}
