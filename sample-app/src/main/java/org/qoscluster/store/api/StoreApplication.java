package org.qoscluster.store.api;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The store's JSON API lives under {@code /api}. */
@ApplicationPath("/api")
public class StoreApplication extends Application {
}
