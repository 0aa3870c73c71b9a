package org.qoscluster.it.members;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.security.enterprise.authentication.mechanism.http.BasicAuthenticationMechanismDefinition;

/**
 * The members application's sign-in: HTTP BASIC (standard Jakarta Security), checked against
 * {@link MembersIdentityStore}. The container authenticates every request that carries
 * credentials, before any filter runs; a request without them reaches the public pages
 * anonymously.
 */
@BasicAuthenticationMechanismDefinition(realmName = "members")
@ApplicationScoped
public class MembersAuthentication {
}
