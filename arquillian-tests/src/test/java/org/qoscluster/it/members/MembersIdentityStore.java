package org.qoscluster.it.members;

import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.security.enterprise.credential.UsernamePasswordCredential;
import jakarta.security.enterprise.identitystore.CredentialValidationResult;
import jakarta.security.enterprise.identitystore.IdentityStore;

/**
 * The members application's users, fixed for the test: {@value #PREMIUM_USER} has the role
 * {@value #PREMIUM_ROLE}, {@value #BASIC_USER} the role {@value #BASIC_ROLE}. An application
 * {@link IdentityStore} bean, as an application that keeps its own users writes one.
 */
@ApplicationScoped
public class MembersIdentityStore implements IdentityStore {

    public static final String PREMIUM_USER = "ada";
    public static final String BASIC_USER = "bob";
    public static final String PASSWORD = "members-test-password";
    public static final String PREMIUM_ROLE = "premium";
    public static final String BASIC_ROLE = "basic";

    private static final Map<String, String> ROLES = Map.of(PREMIUM_USER, PREMIUM_ROLE, BASIC_USER, BASIC_ROLE);

    /** Called by the container (through {@link IdentityStore#validate}) for BASIC credentials. */
    public CredentialValidationResult validate(UsernamePasswordCredential credential) {
        String role = ROLES.get(credential.getCaller());
        if (role == null || !credential.compareTo(credential.getCaller(), PASSWORD)) {
            return CredentialValidationResult.INVALID_RESULT;
        }
        return new CredentialValidationResult(credential.getCaller(), Set.of(role));
    }
}
