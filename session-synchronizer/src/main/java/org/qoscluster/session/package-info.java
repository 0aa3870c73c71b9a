/**
 * The Session Synchronizer Servlet (SSS, rows M6 and M9): a web fragment that keeps every HTTP
 * session in a clustered session database, so any node serves any request of any user and the
 * death of a node loses no session.
 *
 * <p>API: {@link org.qoscluster.session.SessionContext} (the request-scoped holder the data
 * layer reads: UID, user class, database-state-change flag),
 * {@link org.qoscluster.session.SessionMergeable} (an attribute's own merge rule for two
 * overlapping requests), {@link org.qoscluster.session.SessionRecord} and
 * {@link org.qoscluster.session.SessionStore} (the stored shape and the store seam a Hazelcast
 * MapStore or another database can sit behind), {@link org.qoscluster.session.SessionSettings}.
 * Everything in {@code internal} may change.
 */
package org.qoscluster.session;
