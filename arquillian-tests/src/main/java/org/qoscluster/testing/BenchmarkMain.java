package org.qoscluster.testing;

/**
 * How a benchmark's {@code main} ends: the JVM ends with the benchmark, also when it fails, so a
 * pool left behind (writers, clients, their connections) cannot keep it alive; exit status 1
 * after a failure.
 */
final class BenchmarkMain {

    /** A benchmark's body. */
    @FunctionalInterface
    interface Body {
        void run(String[] args) throws Exception;
    }

    private BenchmarkMain() {
    }

    static void runThenExit(Body body, String[] args) {
        int status = 0;
        try {
            body.run(args);
        } catch (Exception | Error e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }
}
