package io.cairn.model;

public enum RestartMode { Always, OnFailure, Never }
