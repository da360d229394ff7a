package io.cairn.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Backpressure from a peer stream to a local sink: the stream pauses while the sink (a client's
 * response) takes one message, resumes when it answered true, and is cancelled when the sink is
 * gone or said false, so the remote reader stops.
 */
final class SinkPush {
  /** A sink that does not take a message within this long is dropped. */
  static final long SINK_TIMEOUT_MS = 60_000;

  private SinkPush() {}

  static void push(Vertx vertx, PeerClients.Stream<?, ?> stream, String sink, Object message) {
    stream.response().pause();
    vertx.eventBus().<Boolean>request(sink, message, new DeliveryOptions().setSendTimeout(SINK_TIMEOUT_MS))
        .onComplete(ar -> {
          if (ar.succeeded() && Boolean.TRUE.equals(ar.result().body())) {
            stream.response().resume();
          } else {
            stream.request().cancel();
          }
        });
  }
}
