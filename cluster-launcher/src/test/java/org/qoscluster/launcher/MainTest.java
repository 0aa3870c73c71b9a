package org.qoscluster.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The command line's answers that start nothing: help, and arguments it does not know. */
class MainTest {

    /** What {@link Main#run} returned and printed. */
    private record Ran(int status, String out, String err) {
    }

    private static Ran run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int status = Main.run(args);
            return new Ran(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void shouldPrintTheUsageOnHelpAndExitZero() {
        for (String help : new String[] {"--help", "-h", "help"}) {
            Ran r = run(help);
            assertEquals(0, r.status(), help);
            assertTrue(r.out().startsWith("usage: bin/qoscluster up|down|status"), help + ": " + r.out());
            assertEquals("", r.err(), help);
        }
    }

    @Test
    void shouldNameAnUnknownOptionBeforeTheCommandAndExitTwo() {
        Ran r = run("--bogus", "up");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("qoscluster: unknown argument '--bogus'"), r.err());
        assertTrue(r.err().contains("usage: bin/qoscluster"), r.err());
    }

    @Test
    void shouldSayThatNoCommandWasGiven() {
        Ran r = run();
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("qoscluster: no command given"), r.err());
    }
}
