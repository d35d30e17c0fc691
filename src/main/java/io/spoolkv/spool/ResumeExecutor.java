package io.spoolkv.spool;

import java.util.concurrent.Executor;

/**
 * Runs producers' resume callbacks off the event loop. It must take every continuation while it runs: refusing
 * one would strand a paused producer with its buffers. Declared here so the spool depends on nothing above it;
 * the background executor implements it.
 */
public interface ResumeExecutor extends Executor {
}
