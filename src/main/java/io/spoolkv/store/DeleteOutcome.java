package io.spoolkv.store;

/** The answer to a delete. */
public enum DeleteOutcome { DELETED, NOT_FOUND, EXISTS }
