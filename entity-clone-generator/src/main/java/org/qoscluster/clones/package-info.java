/**
 * The entity clone generator. Not built yet: issue 6: annotation processor generating read-write and read-only clone entity beans, read/write routing.
 * This package only reserves the module's place in the build.
 */
package org.qoscluster.clones;
