/**
 * The Session Synchronizer Servlet (SSS). Not built yet: issue 4: Hazelcast session database and the SSS filter.
 * This package only reserves the module's place in the build.
 */
package org.qoscluster.session;
