package org.qoscluster.replication.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class StatementBatchTest {

    /** Whatever the number of statements added, every one is sent, in order, and no batch holds more than the most. */
    @Test
    void shouldSendEveryStatementInBatchesOfAtMostTheMost() throws Exception {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int max = 1 + r.nextInt(20);
            int added = r.nextInt(100);
            List<Integer> sent = new ArrayList<>();
            int[] pending = {0};
            PreparedStatement statement = (PreparedStatement) java.lang.reflect.Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "addBatch" -> pending[0]++;
                            case "executeBatch" -> {
                                sent.add(pending[0]);
                                int[] counts = new int[pending[0]];
                                pending[0] = 0;
                                return counts;
                            }
                            default -> throw new UnsupportedOperationException(method.getName());
                        }
                        return null;
                    });
            StatementBatch batch = new StatementBatch(statement, max);
            for (int i = 0; i < added; i++) {
                batch.add();
            }
            batch.flush();
            assertEquals(added, sent.stream().mapToInt(Integer::intValue).sum(), "trial " + trial);
            assertEquals(0, pending[0], "trial " + trial + ": nothing left unsent");
            assertEquals(added == 0 ? 0 : (added + max - 1) / max, sent.size(), "trial " + trial + ": batches");
            for (int size : sent) {
                assertTrue(size >= 1 && size <= max, "trial " + trial + ": a batch of " + size);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new StatementBatch(null, 0));
    }
}
