package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.qoscluster.contract.CopyStatus;
import org.qoscluster.contract.GroupState;

class GroupChangeTest {

    private static final List<GroupState.Copy> COPIES = List.of(new GroupState.Copy("master", "127.0.0.1", 1527, 1),
            new GroupState.Copy("replica-1", "127.0.0.1", 1528, 2));
    private static final GroupState ONE = GroupState.initial("master", COPIES, 0);

    private static Optional<CopyStatus> master(String status, long epoch) {
        return Optional.of(new CopyStatus(status, CopyStatus.Role.MASTER, epoch, GroupState.DEFAULT_GROUP));
    }

    @Test
    void shouldNotCallASteadyGroupWithAnAnsweringMasterChanging() {
        assertFalse(GroupChange.changing(Optional.empty(), Optional.empty(), 10_000));
        assertFalse(GroupChange.changing(Optional.of(ONE), master("AVAILABLE", 1), 10_000));
        assertFalse(GroupChange.changing(Optional.of(ONE), Optional.empty(), 10_000));
    }

    @Test
    void shouldCallItChangingFromTheFirstFailedProbeOfTheMasterToTheSettlingAfterTheNewOneOpened() {
        assertTrue(GroupChange.changing(Optional.of(ONE), master("SUSPECT", 1), 10_000), "the master stopped answering");
        assertTrue(GroupChange.changing(Optional.of(ONE), master("UNAVAILABLE", 1), 10_000));
        GroupState promoting = ONE.promoting("replica-1", 5, 10_000);
        assertTrue(GroupChange.changing(Optional.of(promoting), master("UNAVAILABLE", 1), 10_100));
        GroupState open = promoting.opened(11_000);
        assertTrue(GroupChange.changing(Optional.of(open), master("AVAILABLE", 2), 11_000 + GroupChange.SETTLE_MS - 1));
        assertFalse(GroupChange.changing(Optional.of(open), master("AVAILABLE", 2), 11_000 + GroupChange.SETTLE_MS));
    }

    @Test
    void shouldNotCallAGroupWithoutAnotherCopyChangingWhenItsMasterIsDown() {
        GroupState alone = GroupState.initial("master", List.of(COPIES.get(0)), 0);
        assertFalse(GroupChange.changing(Optional.of(alone), master("UNAVAILABLE", 1), 10_000),
                "no copy can take over: the nodes' failing checks take them out");
        assertFalse(GroupChange.changing(Optional.of(alone), master("SUSPECT", 1), 10_000));
    }

    @Test
    void shouldNotTakeAStatusOfAnotherEpochOrRoleOrGroupForTheMasters() {
        GroupState two = ONE.promoting("replica-1", 5, 0).opened(0);
        assertFalse(GroupChange.changing(Optional.of(two), master("UNAVAILABLE", 1), 10_000), "the old master's status");
        assertFalse(GroupChange.changing(Optional.of(ONE),
                Optional.of(new CopyStatus("UNAVAILABLE", CopyStatus.Role.REPLICA, 1, GroupState.DEFAULT_GROUP)), 10_000));
        assertFalse(GroupChange.changing(Optional.of(ONE), Optional.of(new CopyStatus("UNAVAILABLE", CopyStatus.Role.MASTER, 1, "archive")),
                10_000));
    }
}
