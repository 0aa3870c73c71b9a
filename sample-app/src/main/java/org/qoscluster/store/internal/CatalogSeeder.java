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
 * loses an insert race to another simply looks again.
 */
@Singleton
@Startup
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class CatalogSeeder {

    private static final Logger LOG = Logger.getLogger(CatalogSeeder.class.getName());
    private static final int ATTEMPTS = 5;

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
                LOG.log(Level.INFO, "node={0} catalogue seeding attempt {1} lost a race ({2}); looking again",
                        new Object[] {node, String.valueOf(attempt), e.getMessage()});
            }
        }
    }
}
