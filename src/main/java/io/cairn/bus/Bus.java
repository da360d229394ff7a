package io.cairn.bus;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.FieldError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests and failure replies over the event bus. A failure travels as its {@link ErrorCode} plus
 * a JSON text holding message and field details, so the requester gets the same CairnException back.
 */
public final class Bus {
  private static final Logger LOG = LoggerFactory.getLogger(Bus.class);
  public static final String REQUEST_ID_HEADER = "requestId";

  private Bus() {}

  /** Registers the local codec for each message type once per Vert.x instance. */
  public static synchronized void registerCodecs(Vertx vertx, List<Class<?>> messageTypes) {
    for (Class<?> type : messageTypes) {
      registerCodec(vertx, type);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void registerCodec(Vertx vertx, Class type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new LocalCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // a second deployment on the same Vert.x (tests, restarts in-process) reuses the codec
    }
  }

  public static <T> Future<T> request(Vertx vertx, String address, Object body, Duration timeout,
      String requestId) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
    if (requestId != null) {
      options.addHeader(REQUEST_ID_HEADER, requestId);
    }
    return vertx.eventBus().<T>request(address, body, options)
        .recover(failure -> Future.failedFuture(toCairn(address, failure)))
        .map(Message::body);
  }

  /** A handler that answers synchronously on the consumer's own thread (a worker, for blocking work). */
  @FunctionalInterface
  public interface SyncHandler<T> {
    Object handle(T body) throws Exception;
  }

  /** Consumes {@code address}, replying with the handler's result (an empty Optional as null) or its failure. */
  public static <T> MessageConsumer<T> serve(Vertx vertx, String address, SyncHandler<T> handler) {
    return vertx.eventBus().<T>consumer(address, message -> {
      try {
        Object reply = handler.handle(message.body());
        message.reply(reply instanceof java.util.Optional<?> o ? o.orElse(null) : reply);
      } catch (Exception e) {
        fail(message, e);
      }
    });
  }

  /**
   * Consumes {@code address} with an asynchronous handler given the body and the request id. It may
   * throw a CairnException synchronously (validation) or fail its future; both reach the caller.
   */
  public static <T> MessageConsumer<T> serveAsync(Vertx vertx, String address,
      java.util.function.BiFunction<T, String, Future<?>> handler) {
    return vertx.eventBus().<T>consumer(address, message -> {
      Future<?> result;
      try {
        result = handler.apply(message.body(), requestId(message));
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      replyWith(message, result);
    });
  }

  public static String requestId(Message<?> message) {
    return message.headers().get(REQUEST_ID_HEADER);
  }

  /** Answers a request with a result future: its value as the reply, its failure as a coded failure. */
  public static <T> void replyWith(Message<?> message, Future<T> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        fail(message, ar.cause());
      }
    });
  }

  public static void fail(Message<?> message, Throwable failure) {
    CairnException ce = CairnException.from(failure);
    if (!(failure instanceof CairnException)) {
      LOG.error("unexpected failure handling {}", message.address(), failure);
    }
    JsonArray details = new JsonArray();
    ce.details().forEach(d -> details.add(new JsonObject().put("field", d.field()).put("message", d.message())
        .put("info", new JsonObject(new java.util.LinkedHashMap<>(d.info())))));
    String text = new JsonObject().put("message", ce.getMessage()).put("details", details).encode();
    message.fail(ce.code().busFailureCode(), text);
  }

  static CairnException toCairn(String address, Throwable failure) {
    if (!(failure instanceof ReplyException re)) {
      return CairnException.from(failure);
    }
    return switch (re.failureType()) {
      case TIMEOUT -> new CairnException(ErrorCode.DEADLINE_EXCEEDED,
          "no answer from " + component(address) + " in time");
      case NO_HANDLERS -> new CairnException(ErrorCode.UNAVAILABLE, component(address) + " is not running");
      default -> decodeFailure(re);
    };
  }

  private static CairnException decodeFailure(ReplyException re) {
    ErrorCode code = ErrorCode.fromBusFailureCode(re.failureCode());
    try {
      JsonObject body = new JsonObject(re.getMessage());
      List<FieldError> details = new ArrayList<>();
      body.getJsonArray("details", new JsonArray()).forEach(d -> {
        JsonObject o = (JsonObject) d;
        java.util.Map<String, String> info = new java.util.LinkedHashMap<>();
        o.getJsonObject("info", new JsonObject()).forEach(kv -> info.put(kv.getKey(), String.valueOf(kv.getValue())));
        details.add(new FieldError(o.getString("field"), o.getString("message"), info));
      });
      return new CairnException(code, body.getString("message"), details);
    } catch (RuntimeException notJson) {
      return new CairnException(code, String.valueOf(re.getMessage()));
    }
  }

  /** "cairn.node.x.runtime.start" -> "runtime": which component failed to answer, for the message. */
  private static String component(String address) {
    String[] parts = address.split("\\.");
    return parts.length >= 2 ? parts[parts.length - 2] : address;
  }
}
