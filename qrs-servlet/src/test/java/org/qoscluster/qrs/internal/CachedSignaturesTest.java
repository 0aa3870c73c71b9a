package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.qoscluster.config.ClusterConfig;
import org.qoscluster.qrs.RouterSettings;

/** The router's cached signatures verify and sign as the UID cookie codec does, and a cookie cannot pose as a cached signature. */
class CachedSignaturesTest {

    private static final Map<String, String> SECRETS = Map.of(RouterSettings.UID_KEY, "k".repeat(43),
            RouterSettings.ADMIN_TOKEN, "t".repeat(43));

    private final RouterRuntime router = new RouterRuntime(RouterSettings.of(ClusterConfig.defaults(), SECRETS),
            u -> Optional.empty(), Map::of, System::nanoTime);

    @Test
    void shouldAnswerAsTheCodecDoesTheFirstTimeAndAfter() {
        String uid = router.uidCookie().newUid();
        String cookie = router.uidCookie().sign(uid);
        for (int i = 0; i < 2; i++) {
            assertEquals(Optional.of(uid), router.verifiedUid(cookie));
            assertEquals(router.uidCookie().signUserClass(uid, "gold"), router.signedUserClass(uid, "gold"));
            assertEquals(router.uidCookie().signClient(uid, "10.0.0.7"), router.signedClient(uid, "10.0.0.7"));
        }
        char c = cookie.charAt(cookie.length() - 2); // every bit of a character before the last is used
        String tampered = cookie.substring(0, cookie.length() - 2) + (c == 'A' ? 'B' : 'A') + cookie.charAt(cookie.length() - 1);
        assertEquals(Optional.empty(), router.verifiedUid(tampered), "tampered");
    }

    @Test
    void shouldNeverTakeACookieForAnotherKindOfSignature() {
        String uid = router.uidCookie().newUid();
        router.signedUserClass(uid, "gold");
        router.signedClient(uid, "10.0.0.7");
        assertEquals(Optional.empty(), router.verifiedUid("class:" + uid + ":gold"));
        assertEquals(Optional.empty(), router.verifiedUid("client:" + uid + ":10.0.0.7"));
    }
}
