package org.qoscluster.launcher;

import java.nio.file.Path;

/**
 * One process of a cluster as its pid file describes it.
 *
 * @param name    part name ({@code derby-master}, {@code node-1}, ...)
 * @param kind    {@code derby} or {@code node}
 * @param pid     process id
 * @param port    the port it serves on
 * @param alive   whether that very process (same pid and start time) still runs
 * @param log     its log file
 */
public record PartStatus(String name, String kind, long pid, int port, boolean alive, Path log) {
}
