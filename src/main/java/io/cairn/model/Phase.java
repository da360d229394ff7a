package io.cairn.model;

/** A workload's observed phase, computed by the reconciler from its instances. */
public enum Phase { Pending, Running, Degraded, Succeeded, Failed, Stopping }
