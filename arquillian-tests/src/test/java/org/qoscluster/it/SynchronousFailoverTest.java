package org.qoscluster.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.qoscluster.launcher.Cluster;
import org.qoscluster.testing.GroupClient;
import org.qoscluster.testing.GroupClient.Writer;
import org.qoscluster.testing.QosCluster;

/**
 * The synchronous mode of a redundancy group (issue 7): a request that wrote answers only once a
 * replica has its write, so killing the master loses no acknowledged write, even with the
 * replication agent held back at the moment of the kill.
 */
@QosCluster(nodes = 2, replicas = 2, properties = {"qos.group.mode=sync", "qos.group.sync.timeout-ms=1500",
        "qos.router.health.timeout-ms=3000"})
class SynchronousFailoverTest {

    @Test
    void shouldLoseNoAcknowledgedWriteWhenTheMasterIsKilled(Cluster cluster) throws Exception {
        GroupClient group = new GroupClient(cluster);
        group.await(s -> s.path("epoch").asLong() == 1 && "OPEN".equals(s.path("phase").asText()), Duration.ofSeconds(30),
                "epoch 1 open");
        try (Writer writer = new Writer(cluster, "sync-")) {
            writer.awaitMore(20, Duration.ofSeconds(60));
            long paused = System.currentTimeMillis();
            cluster.pause(Cluster.REPLICATION_AGENT);
            Thread.sleep(4_000);
            List<Writer.Attempt> meanwhile = writer.attempts().stream().filter(a -> a.sentAt() > paused + 500).toList();
            assertTrue(meanwhile.stream().noneMatch(Writer.Attempt::acknowledged),
                    "no write is acknowledged while no replica can get it: " + meanwhile);
            assertTrue(!meanwhile.isEmpty() && meanwhile.stream().allMatch(a -> a.status() >= 500),
                    "they are answered with an error: " + meanwhile);
            System.out.println("synchronous mode, agent held back: " + meanwhile.size() + " writes answered "
                    + meanwhile.stream().map(a -> String.valueOf(a.status())).distinct().toList());

            long killed = System.currentTimeMillis();
            cluster.kill("derby-master");
            cluster.resume(Cluster.REPLICATION_AGENT);
            JsonNode after = group.await(s -> s.path("epoch").asLong() == 2 && "OPEN".equals(s.path("phase").asText()),
                    Duration.ofSeconds(30), "epoch 2 open");
            Writer.Attempt first = writer.firstAcknowledgedAfter(killed, Duration.ofSeconds(40));
            writer.awaitMore(10, Duration.ofSeconds(30));
            writer.stop();

            String master = after.path("master").asText();
            Set<String> kept = group.emails(master, "sync-");
            List<Writer.Attempt> acked = writer.acknowledged();
            List<Writer.Attempt> lost = acked.stream().filter(a -> !kept.contains(a.email())).toList();
            System.out.printf("synchronous failover: writes acknowledged again %d ms after the kill; %d acknowledged, %d lost%n",
                    first.answeredAt() - killed, acked.size(), lost.size());
            assertEquals(List.of(), lost, "no acknowledged write is lost in synchronous mode");
        }
    }
}
