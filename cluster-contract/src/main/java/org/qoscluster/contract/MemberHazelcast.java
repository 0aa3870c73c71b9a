package org.qoscluster.contract;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import javax.naming.InitialContext;
import javax.naming.NamingException;

import com.hazelcast.core.HazelcastInstance;

/**
 * The one way a member's application code (router, group service, Session Synchronizer) reaches
 * the member's Hazelcast: Payara's embedded instance, at JNDI {@value #JNDI_NAME}.
 *
 * <p>Map proxies made from application code get Payara's tenant control, and in Payara Micro
 * 6.2025 that fails on the other members (its HK2 locator is already shut down when the tenant is
 * deserialized), so every proxy is made through {@link #outsideApplication}, on a thread that
 * carries no Java EE invocation.
 */
public final class MemberHazelcast {

    /** Where Payara binds its Hazelcast instance. */
    public static final String JNDI_NAME = "payara/Hazelcast";

    private MemberHazelcast() {
    }

    /** The member's Hazelcast instance; fails saying there is none (Hazelcast disabled on this server?). */
    @SuppressWarnings("BanJNDI") // a constant name: the container's own instance, never a name from input
    public static HazelcastInstance instance() {
        try {
            return (HazelcastInstance) new InitialContext().lookup(JNDI_NAME);
        } catch (NamingException | ClassCastException e) {
            throw new IllegalStateException("no Hazelcast instance at JNDI " + JNDI_NAME
                    + " (is Hazelcast disabled on this server?): " + e, e);
        }
    }

    /**
     * Runs {@code task} (which makes map proxies, or starts what makes them) on a thread that
     * carries no Java EE invocation, with {@code owner}'s class loader as its context class loader,
     * and returns its result; {@code what} names it in the error.
     *
     * @throws IllegalStateException when the task fails (with its cause) or the wait is interrupted
     *                               (the interrupt flag restored)
     */
    public static <T> T outsideApplication(Class<?> owner, String what, Callable<T> task) {
        FutureTask<T> future = new FutureTask<>(task);
        Thread t = new Thread(null, future, "qos-hazelcast-" + what.replace(' ', '-'), 0, false);
        t.setContextClassLoader(owner.getClassLoader());
        t.start();
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot open " + what + ": " + e.getCause(), e.getCause());
        }
    }
}
