package org.qoscluster.qrs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class CookiesTest {

    @Test
    void shouldFindEveryValueSetUnderANameAndNoOther() {
        List<String> setCookies = List.of("QOSUID=a.sig; Path=/; HttpOnly", "JSESSIONID=s1", " QOSUID = b.sig ;Max-Age=0",
                "QOSUIDX=c", "=nameless", "QOSUID");
        assertEquals(List.of("a.sig", "b.sig"), Cookies.setBy(setCookies, "QOSUID"));
        assertEquals(List.of("s1"), Cookies.setBy(setCookies, "JSESSIONID"));
        assertEquals(List.of(), Cookies.setBy(setCookies, "OTHER"));
    }
}
