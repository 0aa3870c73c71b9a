package org.example.ledger.web;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The ledger's JSON API lives under {@code /api}. */
@ApplicationPath("/api")
public class LedgerApplication extends Application {
}
