package org.qoscluster.session.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.microprofile.config.ConfigProvider;
import org.qoscluster.config.MemberProperties;
import org.qoscluster.contract.ForwardedHeaders;
import org.qoscluster.contract.Logs;
import org.qoscluster.contract.SignatureCache;
import org.qoscluster.contract.StateChangeFlag;
import org.qoscluster.contract.UidCookie;
import org.qoscluster.contract.UserClasses;
import org.qoscluster.config.UserClassRoles;
import org.qoscluster.session.SessionContext;
import org.qoscluster.session.SessionRecord;
import org.qoscluster.session.SessionSettings;
import org.qoscluster.session.SessionStore;
import org.qoscluster.session.TooManySessionsException;

/**
 * The Session Synchronizer Servlet (SSS), installed in front of the application by this jar's
 * {@code web-fragment.xml}. Per request: identify the user by the router's signed
 * {@code X-QoS-UID} (or, for a request that reached the node directly, the signed UID cookie,
 * issuing one if there is none); read the user's record from the session database; bind a
 * {@link SessionContext} to the thread; run the application with a request whose
 * {@code HttpSession} is the synchronized session; store the changes back before the response
 * is committed.
 */
public final class SessionSynchronizerFilter implements Filter {

    private static final Logger LOG = Logger.getLogger(SessionSynchronizerFilter.class.getName());
    /** Client addresses the new-session limit remembers at most. */
    private static final int MAX_ADDRESSES = 100_000;
    /** Verified identities (the router's signed headers, UID cookies) kept at most (a few MB). */
    private static final int IDENTITIES_KEPT = 30_000;

    private SessionSettings settings;
    private SessionStore store;
    /** The store in Payara's Hazelcast, closed with the filter (its listener on the map goes). */
    private HazelcastSessionStore clustered;
    private UidCookie uids;
    private Clock clock;
    private NewSessionLimit newSessions;
    /** Set in synchronous mode only. */
    private ReplicaCommitWait replicated;
    /**
     * The router's identity headers and the UID cookies that verified: a returning user's
     * request costs a map read instead of up to three HMACs. A refusal is never kept.
     */
    private final SignatureCache<Identity> verified = new SignatureCache<>(IDENTITIES_KEPT);

    /** What the router vouched for: the UID, and the user class and client address when signed (else null). */
    private record Identity(String uid, String userClass, String client) {
    }

    @Override
    public void init(FilterConfig config) {
        MemberProperties member = MemberProperties.read(ConfigProvider.getConfig());
        settings = SessionSettings.of(member.cluster(), member.secrets(), member.memberName());
        if (!settings.enabled()) {
            LOG.log(Level.WARNING, "node={0} Session Synchronizer is OFF (qos.session.enabled=false): sessions are node-local",
                    settings.node());
            return;
        }
        clock = Clock.systemUTC();
        SessionTable table = settings.tableEnabled() ? openTable(settings, clock) : null;
        clustered = HazelcastSessionStore.lookup(settings, clock, table);
        store = clustered;
        uids = new UidCookie(settings.uidKey(), new SecureRandom());
        newSessions = new NewSessionLimit(settings.newPerAddressPerMinute(), clock::millis, MAX_ADDRESSES);
        if (settings.synchronous()) {
            replicated = new ReplicaCommitWait(HazelcastSessionStore.watermarks(), HazelcastSessionStore.group(),
                    settings.syncTimeoutMs(), clock);
            LOG.log(Level.INFO, "node={0} synchronous mode: a request that wrote answers once a replica has its write"
                    + " (time-out {1} ms)", new Object[] {settings.node(), String.valueOf(settings.syncTimeoutMs())});
        }
        LOG.log(Level.INFO, "node={0} Session Synchronizer on map {1}, time-out {2} s, {3} backup(s)", new Object[] {
            settings.node(), settings.mapName(), String.valueOf(settings.timeoutSeconds()), String.valueOf(settings.backupCount())});
    }

    /** Set when the session table is on. */
    private TableSweeper sweeper;

    /**
     * The session table: made when missing (the launcher made it already on a cluster it started),
     * and swept of expired rows. A failure to make it is logged; the table's writes then fail and
     * are logged each, and the sessions stay in the data grid.
     */
    private SessionTable openTable(SessionSettings settings, Clock clock) {
        SessionTable table = new SessionTable(SessionTableStore.dataSource(settings.masterJndi()),
                SessionTableStore.dataSource(settings.replicaJndi()), clock::millis, 2 * settings.maxBytes() + 64 * 1024,
                settings.node());
        try {
            // Looked up here, in the application, where JNDI certainly works; the map store on
            // this member then finds them (it runs on Hazelcast's threads).
            SessionTableStore.lookUpInApplication(settings.masterJndi(), settings.replicaJndi());
            boolean made = table.createIfMissing();
            LOG.log(Level.INFO, "node={0} session records kept in the table {1} ({2}{3}){4}", new Object[] {settings.node(),
                org.qoscluster.session.SessionTableSchema.TABLE, settings.tableMode().key(),
                settings.tableMode() == SessionSettings.TableMode.WRITE_BEHIND ? ", " + settings.writeDelaySeconds() + " s" : "",
                made ? "; table made" : ""});
        } catch (java.sql.SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "node={0} the session table {1} could not be checked or made: {2}", new Object[] {
                settings.node(), org.qoscluster.session.SessionTableSchema.TABLE, e.toString()});
        }
        sweeper = new TableSweeper(table, clock::millis, settings.node());
        return table;
    }

    @Override
    public void destroy() {
        if (sweeper != null) {
            sweeper.close();
        }
        if (clustered != null) {
            clustered.close();
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (store == null || !(request instanceof HttpServletRequest req)
                || !(response instanceof HttpServletResponse resp)) {
            chain.doFilter(request, response);
            return;
        }
        String uid;
        boolean fresh = false;
        String userClass = ForwardedHeaders.DEFAULT_USER_CLASS;
        String client = req.getRemoteAddr();
        String forwarded = req.getHeader(ForwardedHeaders.UID);
        if (forwarded != null) {
            String issued = req.getHeader(ForwardedHeaders.ISSUED);
            Identity identity = forwardedIdentity(forwarded, req.getHeader(ForwardedHeaders.USER_CLASS),
                    req.getHeader(ForwardedHeaders.CLIENT), issued == null);
            if (identity == null) {
                LOG.log(Level.WARNING, "node={0} refused a request from {1}: {2} does not verify",
                        new Object[] {settings.node(), req.getRemoteAddr(), ForwardedHeaders.UID});
                sendError(resp, 400, ForwardedHeaders.UID + ": does not verify (forged, truncated or signed with another key)");
                return;
            }
            uid = identity.uid();
            userClass = identity.userClass() == null ? userClass : identity.userClass();
            client = identity.client() == null ? client : identity.client();
            // Issued by the router for this request: no session to look for (first visits).
            fresh = issued != null && uids.verifyIssued(uid, issued);
        } else {
            Optional<String> presented = cookieUid(req);
            if (presented.isPresent()) {
                uid = presented.get();
            } else {
                uid = uids.newUid();
                fresh = true;
                resp.addHeader("Set-Cookie", uids.setCookie(settings.cookieName(), uid, settings.cookieSecure()));
            }
        }
        String clientAddress = client;
        long now = clock.millis();
        SessionRecord record;
        long seen = fresh ? 0 : seenVersion(req, uid);
        try {
            // A UID made for this request has no record: no need to ask (health probes, first visits).
            record = fresh ? null : store.load(uid, seen).filter(r -> !r.expired(now)).orElse(null);
        } catch (SessionStoreException e) {
            LOG.log(Level.WARNING, "node={0} {1}", new Object[] {settings.node(), e.getMessage()});
            resp.setHeader("Retry-After", "1");
            sendError(resp, 503, e.getMessage());
            return;
        }
        SessionContext context = new SessionContext(uid, userClass, settings.node(),
                record == null ? null : record.flag(), record == null ? null : record.lastWriteNode(),
                record == null ? null : record.userClass());
        RequestSession session = new RequestSession(store, settings, context, record, req.getServletContext(),
                Thread.currentThread().getContextClassLoader(), now, uids::newUid,
                rotated -> resp.addHeader("Set-Cookie", uids.setCookie(settings.cookieName(), rotated, settings.cookieSecure())),
                () -> newSessions.acquire(clientAddress), () -> principalClass(req));
        if (fresh) {
            session.uidMintedForThisRequest(); // its first store needs no look at what the cluster holds
        }
        Outcome outcome = new Outcome(session, context, resp, uid, seen);
        CommitGuardResponse guarded = new CommitGuardResponse(resp, outcome::storeBeforeCommit);
        SessionContext.Scope scope = SessionContext.bind(context);
        try (scope) {
            chain.doFilter(new SessionRequest(req, session), guarded);
        } catch (ServletException | IOException | RuntimeException e) {
            TooManySessionsException refused = tooMany(e);
            if (refused == null || resp.isCommitted()) {
                throw e;
            }
            LOG.log(Level.INFO, "node={0} refused a new session for {1}: {2}",
                    new Object[] {settings.node(), clientAddress, refused.getMessage()});
            resp.resetBuffer();
            resp.setHeader("Retry-After", Long.toString(refused.retryAfterSeconds()));
            sendError(resp, 429, refused.getMessage());
        } finally {
            if (req.isAsyncStarted()) {
                req.getAsyncContext().addListener(outcome);
            } else {
                outcome.storeAtEnd();
            }
        }
    }

    /**
     * The user class of the request's authenticated principal by its roles
     * ({@code qos.user-class.role.*}): null without a principal (or without roles configured: the
     * session keeps what it holds), empty for a principal whose roles give no class.
     */
    private String principalClass(HttpServletRequest req) {
        UserClassRoles roles = settings.userClassRoles();
        if (roles.isEmpty() || req.getUserPrincipal() == null) {
            return null;
        }
        return roles.userClass(req::isUserInRole).orElse("");
    }

    /** The refusal of a new session in {@code e} or its causes, if that is what failed the request. */
    private static TooManySessionsException tooMany(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TooManySessionsException refused) {
                return refused;
            }
        }
        return null;
    }

    /**
     * The session version the request's client was last answered with ({@link VersionCookie}):
     * {@link VersionCookie#NONE} without the cookie, 0 when it does not tell (malformed, another UID's).
     */
    private long seenVersion(HttpServletRequest req, String uid) {
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (c.getName().equals(settings.versionCookieName())) {
                    return VersionCookie.decode(c.getValue(), uid);
                }
            }
        }
        return VersionCookie.NONE;
    }

    /**
     * The identity in the router's headers: the UID when {@code uidHeader} verifies (else null),
     * with the user class and client address the router signed for it, each null when absent or
     * not signed for that UID. Kept once verified when {@code keep}: a UID the router issued for
     * this request is not kept until the user comes back with it, so that requests without a
     * cookie, however many, never push returning users' identities out of the cache.
     */
    private Identity forwardedIdentity(String uidHeader, String classHeader, String clientHeader, boolean keep) {
        if (!keep) {
            return verifiedIdentity(uidHeader, classHeader, clientHeader);
        }
        String key = uidHeader + '\n' + (classHeader == null ? "" : classHeader) + '\n' + (clientHeader == null ? "" : clientHeader);
        return verified.get(key, k -> verifiedIdentity(uidHeader, classHeader, clientHeader));
    }

    /** The identity in the router's headers, checked (see {@link #forwardedIdentity}). */
    private Identity verifiedIdentity(String uidHeader, String classHeader, String clientHeader) {
        return uids.verify(uidHeader).map(uid -> new Identity(uid, uids.verifyUserClass(uid, classHeader).orElse(null),
                uids.verifyClient(uid, clientHeader).orElse(null))).orElse(null);
    }

    /** The UID in a signed cookie, if one verifies. */
    private Optional<String> cookieUid(HttpServletRequest req) {
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (c.getName().equals(settings.cookieName())) {
                    String value = c.getValue();
                    Identity identity = verified.get("cookie:" + value,
                            k -> uids.verify(value).map(uid -> new Identity(uid, null, null)).orElse(null));
                    if (identity != null) {
                        return Optional.of(identity.uid());
                    }
                    LOG.log(Level.WARNING, "node={0} UID cookie from {1} does not verify; issuing a new identity",
                            new Object[] {settings.node(), req.getRemoteAddr()});
                }
            }
        }
        return Optional.empty();
    }

    /** Stores the session once before commit and again at the end, and reports a failure. */
    private final class Outcome implements AsyncListener {
        private final RequestSession session;
        private final SessionContext context;
        private final HttpServletResponse resp;
        private volatile SessionStoreException failure;
        private volatile boolean awaited;
        /** The group's epoch when the request began, before it could write (synchronous mode). */
        private final long epoch;
        /** The UID and session version the client has (from its version cookie, then from this response). */
        private String toldUid;
        private long toldVersion;

        Outcome(RequestSession session, SessionContext context, HttpServletResponse resp, String uid, long seen) {
            this.session = session;
            this.context = context;
            this.resp = resp;
            this.epoch = replicated == null ? 0 : replicated.epochNow();
            this.toldUid = uid;
            this.toldVersion = seen;
        }

        void storeBeforeCommit() {
            try {
                session.store();
                announceWrite();
                awaitReplica();
            } catch (SessionStoreException e) {
                failure = e;
                throw e;
            } finally {
                session.answerCommitted();
            }
        }

        /**
         * Tells the router of the flag this request's write stored (M10), in a response header it
         * records and removes: the user's next request is then pinned to this node even before the
         * router's listener on the flag map has delivered the flag. Once the response is committed
         * only the map carries it.
         */
        private void announceWrite() {
            context.recordedWrite().ifPresent(f -> resp.setHeader(StateChangeFlag.ANNOUNCE_HEADER, f.announce(session.uid())));
            announceVersion();
            String classes = session.takeAnnouncement();
            if (classes != null) {
                // The user's next request is routed by its new user class even before the
                // router's listener on the shared map has it.
                resp.setHeader(UserClasses.ANNOUNCE_HEADER, classes);
            }
        }

        /**
         * Tells the client the session version this request ends with, when it is not the one
         * the client sent: its next request, on any node, is then served from a copy at least
         * that new (read-your-writes across nodes; see {@link LocalCopy}).
         */
        private void announceVersion() {
            long version = session.version();
            String uid = session.uid();
            if (version > 0 && (version != toldVersion || !uid.equals(toldUid))) {
                setVersionCookie(VersionCookie.encode(uid, version), UidCookie.MAX_AGE_SECONDS);
                toldUid = uid;
                toldVersion = version;
            } else if (version == 0 && toldVersion > 0 && uid.equals(toldUid)) {
                // The session it had a version of is gone (ended, or removed by another request):
                // the client drops the cookie rather than name, on every later request, a version
                // no copy holds, which would have the node look on the master each time.
                setVersionCookie("", 0);
                toldVersion = VersionCookie.NONE;
            }
        }

        private void setVersionCookie(String value, long maxAgeSeconds) {
            resp.addHeader("Set-Cookie", settings.versionCookieName() + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds
                    + "; HttpOnly; SameSite=Lax" + (settings.cookieSecure() ? "; Secure" : ""));
        }

        /** Synchronous mode: the request's write is on a replica before anything is answered. */
        private void awaitReplica() {
            if (replicated != null && !awaited) {
                awaited = true;
                replicated.await(context.recordedWrite(), epoch);
            }
        }

        void storeAtEnd() throws IOException {
            try {
                session.store();
                if (!resp.isCommitted()) {
                    announceWrite();
                    awaitReplica(); // a response without a body never fired the guard
                }
            } catch (SessionStoreException e) {
                failure = e;
            } catch (RuntimeException e) {
                Logs.log(LOG, Level.SEVERE, e, "node={0} uid={1} session store failed", settings.node(), session.shortUid());
                failure = new SessionStoreException("the session could not be stored: " + e, e);
            }
            SessionStoreException f = failure;
            if (f != null) {
                LOG.log(Level.SEVERE, "node={0} uid={1} {2}", new Object[] {settings.node(), session.shortUid(), f.getMessage()});
                if (!resp.isCommitted()) {
                    resp.resetBuffer();
                    sendError(resp, f.notReplicated() ? 503 : 500, f.getMessage());
                }
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            try {
                session.store();
            } catch (RuntimeException e) {
                Logs.log(LOG, Level.SEVERE, e, "node={0} uid={1} session store after async request failed", settings.node(),
                        session.shortUid());
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // stored on completion
        }

        @Override
        public void onError(AsyncEvent event) {
            // stored on completion
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }

    private static void sendError(HttpServletResponse resp, int status, String message) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        StringBuilder json = new StringBuilder("{\"status\":" + status + ",\"error\":\"");
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        byte[] body = json.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(body.length);
        try {
            resp.getOutputStream().write(body);
        } catch (IllegalStateException writerInUse) {
            resp.getWriter().write(new String(body, StandardCharsets.UTF_8));
        }
    }
}
