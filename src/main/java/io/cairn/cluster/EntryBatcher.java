package io.cairn.cluster;

import io.cairn.state.LogCommand;
import io.cairn.storage.ControlLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Concurrent writes share rounds of the log: while {@code entriesInFlight} entries are on their
 * way, new commands wait and then go together as one entry (at most {@code maxPerEntry}), each
 * keeping its own outcome. A lone write goes at once. A round is one log entry: submitted, committed
 * and applied here, answering one {@link ControlLog.Applied} per command, in order.
 */
final class EntryBatcher {
  /** Submits one log entry of commands; completes with their outcomes, in order. */
  interface Round {
    /** {@code deadlineNanos}: the latest of its commands' deadlines; nothing is sent after it. */
    CompletableFuture<List<ControlLog.Applied>> submit(List<LogCommand> commands, long deadlineNanos);
  }

  /** A command waiting for its round, and who waits for its outcome. */
  private record Pending(LogCommand command, long deadlineNanos, CompletableFuture<ControlLog.Applied> outcome) {}

  private final Round round;
  private final int entriesInFlight;
  private final int maxPerEntry;
  private final Object lock = new Object();
  private List<Pending> waiting = new ArrayList<>();
  private int inFlight;

  EntryBatcher(Round round, int entriesInFlight, int maxPerEntry) {
    this.round = round;
    this.entriesInFlight = entriesInFlight;
    this.maxPerEntry = maxPerEntry;
  }

  /** A command with no deadline of its own (tests). */
  CompletableFuture<ControlLog.Applied> add(LogCommand command) {
    return add(command, Long.MAX_VALUE);
  }

  CompletableFuture<ControlLog.Applied> add(LogCommand command, long deadlineNanos) {
    Pending pending = new Pending(command, deadlineNanos, new CompletableFuture<>());
    List<Pending> entry = null;
    synchronized (lock) {
      waiting.add(pending);
      if (inFlight < entriesInFlight) {
        inFlight++;
        entry = nextEntry();
      }
    }
    if (entry != null) {
      submit(entry);
    }
    return pending.outcome();
  }

  /**
   * Takes a command that is still waiting for its round out of the queue: it will never be sent.
   * False once it went into an entry (it may then commit whatever its caller was told).
   */
  boolean withdraw(CompletableFuture<ControlLog.Applied> outcome) {
    synchronized (lock) {
      return waiting.removeIf(p -> p.outcome() == outcome);
    }
  }

  /** Takes up to maxPerEntry waiting commands; call holding the lock. */
  private List<Pending> nextEntry() {
    if (waiting.size() <= maxPerEntry) {
      List<Pending> all = waiting;
      waiting = new ArrayList<>();
      return all;
    }
    List<Pending> head = new ArrayList<>(waiting.subList(0, maxPerEntry));
    waiting = new ArrayList<>(waiting.subList(maxPerEntry, waiting.size()));
    return head;
  }

  private void submit(List<Pending> entry) {
    CompletableFuture<List<ControlLog.Applied>> submitted;
    try {
      long deadline = entry.stream().mapToLong(Pending::deadlineNanos).max().orElse(Long.MAX_VALUE);
      submitted = round.submit(entry.stream().map(Pending::command).toList(), deadline);
    } catch (RuntimeException e) {
      submitted = CompletableFuture.failedFuture(e);
    }
    submitted.whenComplete((outcomes, e) -> {
      for (int i = 0; i < entry.size(); i++) {
        if (e != null) {
          entry.get(i).outcome().completeExceptionally(e);
        } else {
          entry.get(i).outcome().complete(outcomes.get(i));
        }
      }
      List<Pending> next;
      synchronized (lock) {
        next = waiting.isEmpty() ? null : nextEntry();
        if (next == null) {
          inFlight--;
        }
      }
      if (next != null) {
        submit(next);
      }
    });
  }
}
