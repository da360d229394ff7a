package io.cairn.cluster;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.retry.ClientRetryEvent;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto.TypeCase;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * Sends log entries to the leader through the Raft client's blocking API, one thread per entry in
 * flight. Not the ordered async API: its sliding window, once one request ran out of retries,
 * fails every later request at once, forever (seen after a burst of elections: a healthy follower
 * answered every write with 503 in 0 ms until restarted). Each entry stops being retried at its
 * deadline, so nothing is sent after the caller was answered, and a failure says whether the entry
 * may still commit (some attempt may have reached a leader) or certainly did not.
 */
final class EntrySubmitter {
  /** Why an entry was not confirmed: {@code mayHaveCommitted} unless every attempt was refused unsent. */
  static final class NotConfirmed extends IOException {
    final boolean mayHaveCommitted;

    NotConfirmed(boolean mayHaveCommitted, Throwable cause) {
      super(cause == null ? "not confirmed" : cause.getMessage(), cause);
      this.mayHaveCommitted = mayHaveCommitted;
    }
  }

  /** The entry being sent on this thread: its deadline, and whether an attempt may have reached a leader. */
  private static final class Attempt {
    final long deadlineNanos;
    boolean ambiguous;

    Attempt(long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
    }
  }

  private static final ThreadLocal<Attempt> CURRENT = new ThreadLocal<>();

  private final ExecutorService threads;
  private final Supplier<RaftClient> client;

  EntrySubmitter(int entriesInFlight, Supplier<RaftClient> client) {
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newFixedThreadPool(entriesInFlight, r -> {
      Thread t = new Thread(r, "cairn-raft-write-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.client = client;
  }

  /** Sends one entry; completes with the leader's reply, or fails with {@link NotConfirmed}. */
  CompletableFuture<RaftClientReply> submit(byte[] entry, long deadlineNanos) {
    return CompletableFuture.supplyAsync(() -> {
      Attempt attempt = new Attempt(deadlineNanos);
      CURRENT.set(attempt);
      try {
        RaftClient c = client.get();
        if (c == null) {
          throw new NotConfirmed(false, new IOException("the Raft client is closed"));
        }
        RaftClientReply reply = c.io().send(Message.valueOf(ByteString.copyFrom(entry)));
        if (!reply.isSuccess()) {
          throw new NotConfirmed(true, reply.getException());
        }
        return reply;
      } catch (NotConfirmed e) {
        throw new java.util.concurrent.CompletionException(e);
      } catch (IOException | RuntimeException e) {
        attempt.ambiguous |= mayHaveReachedLeader(e);
        throw new java.util.concurrent.CompletionException(new NotConfirmed(attempt.ambiguous, e));
      } finally {
        CURRENT.remove();
      }
    }, threads);
  }

  /**
   * The client's retry policy. Writes (on a submitting thread) retry with a short sleep until their
   * deadline and record whether any attempt may have been appended; reads are retried by their
   * caller, so never here; anything else (configuration changes) a bounded number of times.
   */
  static RetryPolicy retryPolicy(TimeDuration sleep, int otherAttempts) {
    RetryPolicy.Action retry = () -> sleep;
    return event -> {
      Attempt attempt = CURRENT.get();
      TypeCase type = event instanceof ClientRetryEvent ce ? ce.getRequest().getType().getTypeCase() : null;
      if (attempt != null && type == TypeCase.WRITE) {
        attempt.ambiguous |= mayHaveReachedLeader(event.getCause());
        boolean time = System.nanoTime() + sleep.toLong(TimeUnit.NANOSECONDS) < attempt.deadlineNanos;
        return time ? retry : RetryPolicy.NO_RETRY_ACTION;
      }
      if (type == TypeCase.READ) {
        return RetryPolicy.NO_RETRY_ACTION;
      }
      return event.getAttemptCount() < otherAttempts ? retry : RetryPolicy.NO_RETRY_ACTION;
    };
  }

  /** False only for failures where the request certainly was not appended to any log. */
  static boolean mayHaveReachedLeader(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof NotLeaderException || t instanceof LeaderNotReadyException
          || t instanceof ServerNotReadyException || t instanceof GroupMismatchException
          || t instanceof ConnectException) {
        return false;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return failure != null;
  }

  void close() {
    threads.shutdownNow();
  }
}
