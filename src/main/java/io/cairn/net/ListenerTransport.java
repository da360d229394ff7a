package io.cairn.net;

import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/** What a port speaks beyond plain HTTP (TLS): its server options, and hooks on each server of it. */
public interface ListenerTransport {
  ListenerTransport PLAIN = new ListenerTransport() {
    @Override
    public HttpServerOptions options(HttpServerOptions options) {
      return options;
    }

    @Override
    public void attach(HttpServer server) {
      // nothing to watch on a plaintext port
    }
  };

  HttpServerOptions options(HttpServerOptions options);

  /** Called once per server of the port, before it listens. */
  void attach(HttpServer server);
}
