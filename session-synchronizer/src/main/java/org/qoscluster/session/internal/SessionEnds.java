package org.qoscluster.session.internal;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.IExecutorService;

/**
 * Tells every member of the cluster, and waits for each to confirm, that a session of one
 * session map ended, so that no node serves a copy of it it holds (its near cache's, or the record
 * it stored last) once the request that ended it is answered. Hazelcast's own news of a removal
 * (the map's events, its near caches' invalidations) reaches the other members only later, in
 * batches. Each member runs {@link Forget} on a thread of the executor {@value #EXECUTOR}; it
 * finds the listeners of the map's stores on that member in the member's user context, where
 * {@link #listen} put them. A member that runs no store of the map (the router) has none.
 */
final class SessionEnds {

    /** The Hazelcast executor that carries the news. */
    static final String EXECUTOR = "qos-session-ends";
    private static final String CONTEXT_KEY = "org.qoscluster.session.ends.";

    private final HazelcastInstance hz;
    private final IExecutorService executor;
    private final String mapName;

    /** @param executor {@code hz}'s executor {@value #EXECUTOR}, made outside the application */
    SessionEnds(HazelcastInstance hz, IExecutorService executor, String mapName) {
        this.hz = hz;
        this.executor = executor;
        this.mapName = mapName;
    }

    /** Has {@code listener} told of every session of the map that ends, on this member; undone by {@link #stop}. */
    void listen(Consumer<String> listener) {
        listeners(hz, mapName).add(listener);
    }

    void stop(Consumer<String> listener) {
        listeners(hz, mapName).remove(listener);
    }

    /**
     * Tells every member that {@code uid}'s session ended, and waits at most {@code timeoutMillis}
     * for all to confirm.
     *
     * @return the members that did not confirm in time (or failed), each with why; empty when all did
     */
    List<String> announce(String uid, long timeoutMillis) {
        Map<Member, Future<Integer>> sent = executor.submitToAllMembers(new Forget(mapName, uid));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<String> unconfirmed = new ArrayList<>();
        for (Map.Entry<Member, Future<Integer>> e : sent.entrySet()) {
            try {
                e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException ex) {
                unconfirmed.add(e.getKey().getAddress() + " (no answer in " + timeoutMillis + " ms)");
            } catch (ExecutionException ex) {
                unconfirmed.add(e.getKey().getAddress() + " (" + ex.getCause() + ")");
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                unconfirmed.add(e.getKey().getAddress() + " (interrupted)");
                break;
            }
        }
        return unconfirmed;
    }

    @SuppressWarnings("unchecked")
    private static Set<Consumer<String>> listeners(HazelcastInstance hz, String mapName) {
        // JDK types only: the stores are the application's classes, this task Hazelcast's copy.
        return (Set<Consumer<String>>) hz.getUserContext().computeIfAbsent(CONTEXT_KEY + mapName,
                k -> ConcurrentHashMap.newKeySet());
    }

    /** The news, run on each member: tells that member's stores of the map; answers how many there were. */
    static final class Forget implements Callable<Integer>, Serializable, HazelcastInstanceAware {
        private static final long serialVersionUID = 1L;

        private final String mapName;
        private final String uid;
        private transient HazelcastInstance member;

        Forget(String mapName, String uid) {
            this.mapName = mapName;
            this.uid = uid;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
            this.member = hazelcastInstance;
        }

        @Override
        public Integer call() {
            Collection<Consumer<String>> here = listeners(member, mapName);
            here.forEach(l -> l.accept(uid));
            return here.size();
        }
    }
}
