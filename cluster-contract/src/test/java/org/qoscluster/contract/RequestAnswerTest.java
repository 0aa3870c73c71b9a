package org.qoscluster.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.qoscluster.contract.Codecs.assertMalformed;

import org.junit.jupiter.api.Test;

class RequestAnswerTest {

    @Test
    void shouldKeepTheFormTheCoordinatorWrites() {
        assertEquals("409 the group is running already", new RequestAnswer(409, "the group is running already").encode());
        assertEquals(new RequestAnswer(200, ""), RequestAnswer.parse("200 "));
    }

    @Test
    void shouldReadBackAnyMessageSeparatorsSpacesAndLineBreaksIncluded() {
        Generated.forAll(r -> {
            RequestAnswer a = new RequestAnswer(100 + r.nextInt(500), Generated.anyText(r));
            assertEquals(a, RequestAnswer.parse(a.encode()));
        });
    }

    @Test
    void shouldNameWhatIsWrongWithAMalformedValue() {
        String record = "request answer";
        assertMalformed(RequestAnswer::parse, RequestAnswer::decode, record, null, "there is no value");
        assertMalformed(RequestAnswer::parse, RequestAnswer::decode, record, "200", "no space between STATUS and MESSAGE");
        assertMalformed(RequestAnswer::parse, RequestAnswer::decode, record, "OK done", "status 'OK' is not a whole number");
        assertMalformed(RequestAnswer::parse, RequestAnswer::decode, record, "99 done", "status 99 is not in 100..599");
    }
}
