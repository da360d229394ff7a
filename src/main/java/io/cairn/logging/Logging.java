package io.cairn.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import org.slf4j.LoggerFactory;

/** Switches logging to the configured format (JSON lines or text) and level, stamping the node id on every line. */
public final class Logging {
  private Logging() {}

  public static void configure(String format, String level, String nodeId) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    URL resource = Logging.class.getResource("/logback-" + format + ".xml");
    context.reset();
    context.putProperty("nodeId", nodeId);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(resource);
    } catch (JoranException e) {
      throw new IllegalStateException("logging configuration " + resource + " is broken", e);
    }
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
    // Ratis logs every setting at INFO and every failed reconnect to a down peer as ERROR (dozens a
    // second); the cluster component reports membership itself, so keep only Ratis's warnings.
    context.getLogger("org.apache.ratis").setLevel(Level.WARN);
    context.getLogger("org.apache.ratis.util.LifeCycle").setLevel(Level.OFF);
    context.getLogger("org.apache.ratis.server.leader.LogAppender").setLevel(Level.ERROR);
    context.getLogger("org.apache.ratis.server.impl.LeaderElection").setLevel(Level.ERROR);
    context.getLogger("org.apache.ratis.client.impl.OrderedAsync").setLevel(Level.OFF); // failed writes are reported as 503s
  }
}
