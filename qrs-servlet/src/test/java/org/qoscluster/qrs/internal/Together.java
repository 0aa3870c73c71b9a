package org.qoscluster.qrs.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs one task on many threads released at the same moment, for the concurrency tests. */
final class Together {

    /** One thread's share of the work, given the thread's index. */
    interface Task {
        void run(int thread) throws Exception;
    }

    private Together() {
    }

    /**
     * Runs {@code task} on {@code threads} threads, all started together, and waits (2 minutes at
     * most each) until every one has finished; the first failure is rethrown.
     */
    static void run(int threads, Task task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    task.run(thread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
