package org.qoscluster.qrs.internal;

import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

import javax.naming.InitialContext;
import javax.naming.NamingException;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import org.qoscluster.qrs.StateChangeFlags;

/**
 * The flags in Payara's embedded Hazelcast cluster, reached through JNDI {@code payara/Hazelcast}
 * (the one place the router looks it up). A read that takes longer than 100 ms counts as "no
 * flag": the request is then routed by its goal, never held up.
 */
final class HazelcastFlags implements StateChangeFlags {

    private static final Logger LOG = Logger.getLogger(HazelcastFlags.class.getName());
    private static final long READ_TIMEOUT_MS = 100;

    private final IMap<String, String> flags;

    private HazelcastFlags(IMap<String, String> flags) {
        this.flags = flags;
    }

    /** The cluster's flags, or {@link StateChangeFlags#NONE} (logged) when there is no cluster to read. */
    static StateChangeFlags lookup() {
        try {
            HazelcastInstance hz = (HazelcastInstance) new InitialContext().lookup("payara/Hazelcast");
            return new HazelcastFlags(hz.getMap(MAP));
        } catch (NamingException | RuntimeException e) {
            LOG.warning("no Hazelcast cluster at payara/Hazelcast (" + e + "); state-change stickiness is off");
            return NONE;
        }
    }

    @Override
    public Optional<String> flaggedNode(String uid) {
        try {
            return StateChangeFlags.nodeOf(flags.getAsync(uid).toCompletableFuture().get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException e) {
            LOG.fine(() -> "flag read for a user failed (" + e + "); routing by goal");
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
