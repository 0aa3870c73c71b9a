/**
 * Holds no code: the clone generator (the annotation processor that writes each
 * {@code @ReplicatedEntity}'s read-only and read-write clones) is in
 * {@code org.qoscluster.clone.processor}.
 */
package org.qoscluster.clones;
