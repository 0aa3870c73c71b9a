package org.qoscluster.store.internal;

import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.annotation.PostConstruct;
import jakarta.ejb.EJBException;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Seeds the catalogue when the store starts. Idempotent and safe when several nodes start at
 * once: product ids are fixed, each node inserts only the ids still missing, and a node that
 * loses an insert race to another (or to the replication agent installing capture) looks again
 * a little later.
 */
@Singleton
@Startup
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class CatalogSeeder {

    private static final Logger LOG = Logger.getLogger(CatalogSeeder.class.getName());
    private static final int ATTEMPTS = 8;
    /** The pause after a lost attempt, times the attempt's number (28 s in all at most). */
    private static final long BACK_OFF_MS = 1_000;

    @Inject
    private SeedWriter writer;

    @Inject
    @ConfigProperty(name = "store.seed.products", defaultValue = "1000")
    private int products;

    @Inject
    @ConfigProperty(name = "qos.member.name", defaultValue = "standalone")
    private String node;

    @PostConstruct
    void seed() {
        for (int attempt = 1; ; attempt++) {
            try {
                int added = writer.addMissing(products);
                LOG.log(Level.INFO, "node={0} catalogue seeded: {1} of {2} products added",
                        new Object[] {node, String.valueOf(added), String.valueOf(products)});
                return;
            } catch (EJBException e) {
                if (attempt == ATTEMPTS) {
                    throw new IllegalStateException("node=" + node + " cannot seed the catalogue after " + ATTEMPTS + " attempts", e);
                }
                LOG.log(Level.INFO, "node={0} catalogue seeding attempt {1} lost a race ({2}); looking again in {3} ms",
                        new Object[] {node, String.valueOf(attempt), e.getMessage(), String.valueOf(attempt * BACK_OFF_MS)});
                // Not at once: what it lost to may last seconds (the replication agent installing
                // change capture on the master holds the sequence's catalogue row meanwhile, and
                // every insert then fails with "too much contention on sequence").
                try {
                    Thread.sleep(attempt * BACK_OFF_MS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("node=" + node + " interrupted while seeding the catalogue", e);
                }
            }
        }
    }
}
