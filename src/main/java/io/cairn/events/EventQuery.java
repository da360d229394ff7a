package io.cairn.events;

/** Filter for the audit stream; null fields match everything. {@code afterSeq} resumes a stream. */
public record EventQuery(String type, String workload, Long sinceMillis, long afterSeq, int limit) {}
