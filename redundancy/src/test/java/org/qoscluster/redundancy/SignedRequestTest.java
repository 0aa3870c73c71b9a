package org.qoscluster.redundancy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class SignedRequestTest {

    private static final String TOKEN = "the-admin-token";
    private static final long NOW = 1_800_000_000_000L;
    private static final Coordinator.Request SWITCH = new Coordinator.Request("r1", Coordinator.Kind.SWITCHOVER, "replica-1");

    private static Optional<String> refusalOf(String group, String value) {
        return SignedRequest.decode(group, value).orElseThrow().refusal(TOKEN, NOW);
    }

    @Test
    void shouldCarryOutARequestSignedWithTheAdminTokenAndRoundTripIt() {
        SignedRequest r = SignedRequest.sign("store", SWITCH, NOW - 1_000, TOKEN);
        assertEquals(Optional.of(r), SignedRequest.decode("store", r.encode()));
        assertEquals(Optional.empty(), refusalOf("store", r.encode()));
        SignedRequest stop = SignedRequest.sign("store", new Coordinator.Request("r2", Coordinator.Kind.STOP, ""), NOW, TOKEN);
        assertEquals(Optional.empty(), refusalOf("store", stop.encode()), "an empty argument is signed too");
    }

    @Test
    void shouldRefuseARequestSignedWithAnotherTokenOrChangedOnTheWay() {
        SignedRequest forged = SignedRequest.sign("store", SWITCH, NOW, "a-guess");
        assertTrue(refusalOf("store", forged.encode()).orElseThrow().contains("signature"));
        String changed = SignedRequest.sign("store", SWITCH, NOW, TOKEN).encode().replace("replica-1", "replica-2");
        assertTrue(refusalOf("store", changed).orElseThrow().contains("signature"), "another target, same signature");
        String moved = SignedRequest.sign("archive", SWITCH, NOW, TOKEN).encode();
        assertTrue(refusalOf("store", moved).orElseThrow().contains("signature"), "signed for another group");
    }

    @Test
    void shouldRefuseAnUnsignedOrMalformedRequest() {
        for (String bad : new String[] {null, "", "r1 SWITCHOVER replica-1", "r1 SWITCHOVER 1 ", "r1 NOPE 1 sig x",
                "r1 SWITCHOVER x sig replica-1"}) {
            assertEquals(Optional.empty(), SignedRequest.decode("store", bad), String.valueOf(bad));
        }
        assertTrue(refusalOf("store", "r1 SWITCHOVER " + NOW + " - replica-1").orElseThrow().contains("signature"));
    }

    @Test
    void shouldRefuseAStaleOrFutureRequestAndAnyWithoutATokenToCheck() {
        long limit = SignedRequest.MAX_AGE.toMillis();
        assertEquals(Optional.empty(), refusalOf("store", SignedRequest.sign("store", SWITCH, NOW - limit, TOKEN).encode()));
        assertTrue(refusalOf("store", SignedRequest.sign("store", SWITCH, NOW - limit - 1, TOKEN).encode()).isPresent(), "replayed late");
        assertTrue(refusalOf("store", SignedRequest.sign("store", SWITCH, NOW + limit + 1, TOKEN).encode()).isPresent());
        assertTrue(SignedRequest.sign("store", SWITCH, NOW, TOKEN).refusal(null, NOW).orElseThrow().contains("no admin token"));
        assertTrue(SignedRequest.sign("store", SWITCH, NOW, "").refusal("", NOW).isPresent(), "an empty token signs nothing");
    }
}
