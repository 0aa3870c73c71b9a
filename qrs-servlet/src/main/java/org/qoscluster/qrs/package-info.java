/**
 * The QoS-goal Router Servlet (QRS). Not built yet: issue 3: classify requests, pick the node that meets their QoS goal, proxy, record performance, health-check nodes.
 * This package only reserves the module's place in the build.
 */
package org.qoscluster.qrs;
