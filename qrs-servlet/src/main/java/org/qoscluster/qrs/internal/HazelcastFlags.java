package org.qoscluster.qrs.internal;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

import javax.naming.InitialContext;
import javax.naming.NamingException;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;

import org.qoscluster.qrs.StateChangeFlags;

/**
 * The flags in Payara's embedded Hazelcast cluster, reached through JNDI {@code payara/Hazelcast}
 * (the one place the router looks it up), mirrored in the router's memory so that a request
 * costs no remote call: an entry listener applies every change to the local view, which is
 * loaded whole when the listener is in place.
 *
 * <p>The view trails the map by the listener's delivery time (milliseconds on one site). A
 * user whose next request arrives within that window after a flag was set elsewhere is routed
 * by goal once; the write path (issue 6) closes the window by having the node that wrote
 * announce the flag in its response, which this router records before the user sees it.
 */
final class HazelcastFlags implements StateChangeFlags {

    private static final Logger LOG = Logger.getLogger(HazelcastFlags.class.getName());

    private final Map<String, String> view = new ConcurrentHashMap<>();

    private HazelcastFlags() {
    }

    /** The cluster's flags, or {@link StateChangeFlags#NONE} (logged) when there is no cluster to read. */
    static StateChangeFlags lookup() {
        try {
            HazelcastInstance hz = (HazelcastInstance) new InitialContext().lookup("payara/Hazelcast");
            HazelcastFlags flags = new HazelcastFlags();
            IMap<String, String> map = hz.getMap(MAP);
            map.addEntryListener(flags.new Mirror(), true);
            map.forEach(flags.view::put);
            return flags;
        } catch (NamingException | RuntimeException e) {
            LOG.warning("no Hazelcast cluster at payara/Hazelcast (" + e + "); state-change stickiness is off");
            return NONE;
        }
    }

    @Override
    public Optional<String> flaggedNode(String uid) {
        return StateChangeFlags.nodeOf(view.get(uid));
    }

    /** Applies every change of the map to the local view. */
    private final class Mirror implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
            EntryRemovedListener<String, String>, EntryEvictedListener<String, String>,
            EntryExpiredListener<String, String>, MapClearedListener {

        @Override
        public void entryAdded(EntryEvent<String, String> e) {
            view.put(e.getKey(), e.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> e) {
            view.put(e.getKey(), e.getValue());
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> e) {
            view.remove(e.getKey());
        }

        @Override
        public void entryEvicted(EntryEvent<String, String> e) {
            view.remove(e.getKey());
        }

        @Override
        public void entryExpired(EntryEvent<String, String> e) {
            view.remove(e.getKey());
        }

        @Override
        public void mapCleared(MapEvent e) {
            view.clear();
        }
    }
}
