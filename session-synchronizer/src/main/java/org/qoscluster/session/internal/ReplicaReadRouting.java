package org.qoscluster.session.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.clone.ReadRouting;
import org.qoscluster.config.PayaraMemberConfig;
import org.qoscluster.contract.ClusterMaps;
import org.qoscluster.contract.MemberHazelcast;
import org.qoscluster.contract.ReplicaWatermark;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.SessionContext;

/**
 * The clones' read routing on a node (M8, found by {@code ServiceLoader}): a read may go to this
 * node's replica ({@code qos.member.replica}, reached as {@code jdbc/qos/replica}) when
 * <ul>
 * <li>the replication agent has published its watermark lately (within {@link #MAX_AGE}) and its
 * lag is under that too: a replica that is down, cut off or far behind is skipped;</li>
 * <li>no read on it failed in the last {@link #AVOID} ;</li>
 * <li>and the current user has no write it lacks: no state-change flag on the request
 * ({@link SessionContext}), or the replica's watermark covers the flag's sequence.</li>
 * </ul>
 * Otherwise the master serves it. A write's sequence goes to {@link SessionContext#recordWrite},
 * which stores the flag with the session and publishes it to the router (M3, M10).
 */
public final class ReplicaReadRouting implements ReadRouting {

    private static final Logger LOG = Logger.getLogger(ReplicaReadRouting.class.getName());
    /** Older watermarks, or a larger lag, and the replica is not read. */
    static final Duration MAX_AGE = Duration.ofSeconds(5);
    /** How long a replica whose read failed is left alone. */
    static final Duration AVOID = Duration.ofSeconds(5);

    private final Optional<String> replica;
    private final Clock clock;
    private volatile Function<String, Optional<ReplicaWatermark>> watermarks;
    private volatile Instant avoidUntil = Instant.MIN;

    /** As {@code ServiceLoader} makes it: this node's settings, Payara's Hazelcast on first use. */
    public ReplicaReadRouting() {
        this(ConfigProvider.getConfig().getOptionalValue(PayaraMemberConfig.MEMBER_REPLICA_KEY, String.class),
                Clock.systemUTC(), null);
    }

    ReplicaReadRouting(Optional<String> replica, Clock clock, Function<String, Optional<ReplicaWatermark>> watermarks) {
        this.replica = replica.map(String::strip).filter(r -> !r.isEmpty());
        this.clock = clock;
        this.watermarks = watermarks;
    }

    @Override
    public boolean replicaMayServe() {
        if (replica.isEmpty()) {
            return false;
        }
        Instant now = clock.instant();
        if (now.isBefore(avoidUntil)) {
            return false;
        }
        Optional<StateChangeFlag> flag = SessionContext.current().flatMap(SessionContext::stateChange);
        return mayServe(watermarks().apply(replica.get()), flag, now);
    }

    /** The rule, without the lookups. */
    static boolean mayServe(Optional<ReplicaWatermark> watermark, Optional<StateChangeFlag> flag, Instant now) {
        if (watermark.isEmpty()) {
            return false;
        }
        ReplicaWatermark w = watermark.get();
        if (Duration.between(Instant.ofEpochMilli(w.epochMillis()), now).compareTo(MAX_AGE) > 0
                || w.lagMillis() > MAX_AGE.toMillis()) {
            return false;
        }
        return flag.isEmpty() || w.covers(flag.get().sequence());
    }

    @Override
    public void replicaFailed(RuntimeException e) {
        boolean first = !clock.instant().isBefore(avoidUntil);
        avoidUntil = clock.instant().plus(AVOID);
        if (first) {
            LOG.log(Level.WARNING, "replica={0} read failed, reads go to the master for {1} s: {2}",
                    new Object[] {replica.orElse("?"), String.valueOf(AVOID.toSeconds()), e});
        }
    }

    @Override
    public void wrote(long sequence) {
        SessionContext.current().ifPresent(c -> c.recordWrite(sequence, clock.millis()));
    }

    /** The published watermarks, from Payara's Hazelcast, looked up on first use. */
    private Function<String, Optional<ReplicaWatermark>> watermarks() {
        Function<String, Optional<ReplicaWatermark>> w = watermarks;
        if (w == null) {
            w = lookUp();
            watermarks = w;
        }
        return w;
    }

    private static Function<String, Optional<ReplicaWatermark>> lookUp() {
        try {
            HazelcastInstance hz = MemberHazelcast.instance();
            IMap<String, String> map = HazelcastSessionStore.outsideApplication(() -> hz.getMap(ClusterMaps.WATERMARKS));
            return name -> {
                String value = map.get(name);
                return value == null ? Optional.empty() : ReplicaWatermark.decode(value);
            };
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "no replica watermarks (Payara''s Hazelcast: {0}); every read goes to the master", e.toString());
            return name -> Optional.empty();
        }
    }
}
