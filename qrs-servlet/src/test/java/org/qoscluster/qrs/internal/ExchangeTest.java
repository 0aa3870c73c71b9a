package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ServiceClass;
import org.qoscluster.qrs.Outbound;

/** The tasks run at an exchange's end: each once, in order, however and whenever it ends. */
class ExchangeTest {

    @Test
    void shouldRunEachTaskOnceInOrderWhenTheExchangeEnds() {
        Exchange exchange = exchange();
        List<String> ran = new CopyOnWriteArrayList<>();
        exchange.whenDone(() -> ran.add("first"));
        exchange.whenDone(() -> ran.add("second"));
        assertEquals(List.of(), ran, "not before the end");
        exchange.complete();
        exchange.complete();
        exchange.abort(new IOException("too late"));
        assertEquals(List.of("first", "second"), ran);
    }

    @Test
    void shouldRunATaskGivenAfterTheEndAtOnce() {
        Exchange exchange = exchange();
        exchange.abort(new IOException("client gone"));
        AtomicInteger ran = new AtomicInteger();
        exchange.whenDone(ran::incrementAndGet);
        assertEquals(1, ran.get(), "a task given late is never missed");
        exchange.complete();
        assertEquals(1, ran.get(), "and runs once");
    }

    @Test
    void shouldRunEveryTaskAndEndTheAnswerWhenATaskFails() {
        AtomicInteger completions = new AtomicInteger();
        Exchange exchange = exchange(completions);
        AtomicInteger ran = new AtomicInteger();
        exchange.whenDone(() -> {
            throw new IllegalStateException("a failing task");
        });
        exchange.whenDone(ran::incrementAndGet);
        exchange.complete();
        assertEquals(1, ran.get(), "the task after the failing one ran");
        assertEquals(1, completions.get(), "the answer ended");
    }

    /** An exchange of a GET, its answer going nowhere. */
    static Exchange exchange() {
        return exchange(new AtomicInteger());
    }

    /** An exchange whose answer counts its ends ({@link Outbound#complete} and {@link Outbound#abort}) in {@code completions}. */
    private static Exchange exchange(AtomicInteger completions) {
        Outbound out = (Outbound) Proxy.newProxyInstance(Outbound.class.getClassLoader(), new Class<?>[] {Outbound.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("complete") || method.getName().equals("abort")) {
                        completions.incrementAndGet();
                    }
                    return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                });
        return new Exchange("1", null, out, "/", new ServiceClass("default", 1000, 10, 0, List.of()), "standard",
                new Forwarder.Identity("uid", "signed", null), null);
    }
}
