package org.qoscluster.routerserver;

import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.qoscluster.config.InvalidConfigException;
import org.qoscluster.routerserver.internal.RouterServer;

/**
 * Runs the router on its own Jetty server: {@code RouterServerMain DOMAIN_XML SECRETS_DIR}. The
 * configuration is the router's {@code domain.xml} as the launcher writes it (the same
 * {@code qos.*} properties a Payara Micro router reads, its goals watched for changes) and the
 * {@code qos.secret.*} files of the secrets directory. Invalid configuration exits with status 2
 * and a message naming every bad key; the server stops cleanly on SIGTERM.
 */
public final class RouterServerMain {

    private static final Logger LOG = Logger.getLogger(RouterServerMain.class.getName());

    private RouterServerMain() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: RouterServerMain DOMAIN_XML SECRETS_DIR");
            System.exit(2);
        }
        RouterServer server;
        try {
            server = RouterServer.start(Path.of(args[0]), Path.of(args[1]));
        } catch (InvalidConfigException e) {
            System.err.println("router: invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "router: cannot start", e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "qos-router-stop"));
        server.join();
    }
}
