package org.qoscluster.session.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;

import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.session.BytePatch;
import org.qoscluster.session.SessionDelta;
import org.qoscluster.session.SessionRecord;

/**
 * Applies one request's {@link SessionDelta} on the member that owns the record, under the
 * partition's lock: read, merge per attribute, write, in one step (M9). The same processor runs
 * on the backups, so they end in the same state. The entry lives for the session's time-out after
 * its last store, plus a second for clock differences between members (the filter itself treats
 * a record past its time-out as gone).
 *
 * <p>It travels to the owner and to each backup on every store, so it writes its fields itself
 * ({@link DataSerializable}) rather than through Java serialization, whose class descriptors and
 * reflection cost more than the change they carry; and a change that carries a patch of the
 * bytes the request read ({@link BytePatch}) travels as that patch alone, not as its whole value.
 * Its answer travels back as bytes too ({@link AppliedAnswer}), read with {@link #answer}.
 * The class is on every member's class path, as the record's is.
 */
final class ApplyDelta implements EntryProcessor<String, SessionRecord, byte[]>, DataSerializable {

    private static final long serialVersionUID = 1L;
    /** Seconds a record outlives its inactivity limit in the map (the filter checks expiry itself). */
    private static final long GRACE_SECONDS = 1;
    /** Attribute changes one delta may carry when read back: far more than any session holds. */
    private static final int MAX_CHANGES = 1 << 20;
    /** How a change travels: its whole value (null removes), the same forced, or a patch of the bytes it read. */
    private static final byte WHOLE = 0;
    private static final byte WHOLE_FORCED = 1;
    private static final byte PATCH = 2;

    private SessionDelta delta;

    /** For Hazelcast, which reads the fields with {@link #readData}. */
    ApplyDelta() {
    }

    ApplyDelta(SessionDelta delta) {
        this.delta = delta;
    }

    SessionDelta delta() {
        return delta;
    }

    /** How long the map keeps {@code record}: its inactivity limit and a little grace. */
    static long ttlSeconds(SessionRecord record) {
        return record.maxInactiveSeconds() + GRACE_SECONDS;
    }

    /**
     * The outcome an answer of {@link #process} tells.
     *
     * @throws SessionStoreException when it is not such an answer, saying what is wrong
     */
    static SessionRecord.Applied answer(byte[] answer) {
        try {
            return AppliedAnswer.read(answer);
        } catch (IllegalArgumentException e) {
            throw new SessionStoreException("the session store's answer is not one this node reads: " + e.getMessage(), e);
        }
    }

    /** Applies the delta; answers {@link AppliedAnswer#write} of the outcome without the record. */
    @Override
    public byte[] process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord.Applied applied = SessionRecord.apply(entry.getKey(), entry.getValue(), delta);
        if (applied.record() == null) {
            entry.setValue(null);
        } else if (entry instanceof ExtendedMapEntry<String, SessionRecord> extended) {
            extended.setValue(applied.record(), ttlSeconds(applied.record()), TimeUnit.SECONDS);
        } else {
            entry.setValue(applied.record());
        }
        return AppliedAnswer.write(applied);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(delta.now());
        out.writeString(delta.node());
        out.writeString(delta.sessionUserClass());
        out.writeString(delta.principalUserClass());
        out.writeInt(delta.maxInactiveSeconds());
        out.writeBoolean(delta.replace());
        out.writeBoolean(delta.remove());
        out.writeInt(delta.changes().size());
        for (Map.Entry<String, SessionDelta.Change> e : delta.changes().entrySet()) {
            SessionDelta.Change change = e.getValue();
            out.writeString(e.getKey());
            out.writeLong(change.baseVersion());
            BytePatch patch = change.patch();
            if (patch == null) {
                out.writeByte(change.force() ? WHOLE_FORCED : WHOLE);
                out.writeByteArray(change.value());
            } else {
                // The patch alone: the owner and the backups hold the bytes it was made from.
                out.writeByte(PATCH);
                out.writeInt(patch.baseLength());
                out.writeInt(patch.baseChecksum());
                out.writeInt(patch.prefix());
                out.writeInt(patch.suffix());
                out.writeByteArray(patch.middle());
                out.writeInt(patch.valueChecksum());
            }
        }
        StateChangeFlag flag = delta.flag();
        out.writeString(flag == null ? null : flag.node());
        if (flag != null) {
            out.writeLong(flag.sequence());
            out.writeLong(flag.epochMillis());
        }
    }

    private static BytePatch readPatch(ObjectDataInput in) throws IOException {
        int baseLength = in.readInt();
        int checksum = in.readInt();
        int prefix = in.readInt();
        int suffix = in.readInt();
        byte[] middle = in.readByteArray();
        int valueChecksum = in.readInt();
        try {
            return new BytePatch(baseLength, checksum, prefix, suffix, middle, valueChecksum);
        } catch (IllegalArgumentException e) {
            throw new IOException("a session delta with a malformed patch: " + e.getMessage(), e);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        long now = in.readLong();
        String node = in.readString();
        String sessionUserClass = in.readString();
        String principalUserClass = in.readString();
        int maxInactiveSeconds = in.readInt();
        boolean replace = in.readBoolean();
        boolean remove = in.readBoolean();
        int n = in.readInt();
        if (n < 0 || n > MAX_CHANGES) {
            throw new IOException("a session delta with " + n + " changes");
        }
        Map<String, SessionDelta.Change> changes = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String name = in.readString();
            long baseVersion = in.readLong();
            byte kind = in.readByte();
            SessionDelta.Change change = switch (kind) {
                case WHOLE, WHOLE_FORCED -> new SessionDelta.Change(baseVersion, in.readByteArray(), kind == WHOLE_FORCED);
                case PATCH -> new SessionDelta.Change(baseVersion, null, false, readPatch(in));
                default -> throw new IOException("a session delta change of unknown kind " + kind);
            };
            changes.put(name, change);
        }
        String flagNode = in.readString();
        StateChangeFlag flag = flagNode == null ? null : new StateChangeFlag(flagNode, in.readLong(), in.readLong());
        delta = new SessionDelta(now, node, sessionUserClass, principalUserClass, maxInactiveSeconds, replace, remove,
                changes, flag);
    }
}
