package org.qoscluster.store.internal;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

import org.qoscluster.store.domain.Product;

/** Inserts the catalogue products that are missing, in one transaction of its own. */
@Stateless
public class SeedWriter {

    private static final List<String> ADJECTIVES = List.of("Sturdy", "Quiet", "Bright", "Compact", "Classic",
            "Rugged", "Smart", "Light", "Vintage", "Swift");
    private static final List<String> NOUNS = List.of("Kettle", "Lamp", "Backpack", "Headphones", "Chair",
            "Notebook", "Teapot", "Umbrella", "Clock", "Bicycle Bell", "Desk Fan", "Mug", "Scarf", "Torch",
            "Keyboard", "Frying Pan", "Blanket", "Water Bottle", "Plant Pot", "Camera Strap");

    @PersistenceContext(unitName = "store")
    private EntityManager em;

    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public int addMissing(int count) {
        if (em.createNamedQuery(Product.COUNT, Long.class).getSingleResult() >= count) {
            return 0;
        }
        Set<Long> present = new HashSet<>(em.createNamedQuery(Product.IDS, Long.class).getResultList());
        int added = 0;
        for (long id = 1; id <= count; id++) {
            if (!present.contains(id)) {
                em.persist(product(id));
                added++;
            }
        }
        em.flush();
        return added;
    }

    /** The same product for the same id on every node. */
    static Product product(long id) {
        String adjective = ADJECTIVES.get((int) (id % ADJECTIVES.size()));
        String noun = NOUNS.get((int) ((id / ADJECTIVES.size()) % NOUNS.size()));
        String name = adjective + " " + noun + " " + (id / ((long) ADJECTIVES.size() * NOUNS.size()) + 1);
        long priceCents = 199 + (id * 7919) % 20_000;
        int stock = 20 + (int) (id % 80);
        return new Product(id, String.format("SKU-%05d", id), name,
                "A " + name.toLowerCase(java.util.Locale.ROOT) + ", catalogue item " + id + ".", priceCents, stock);
    }
}
