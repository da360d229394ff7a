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
  }
}
