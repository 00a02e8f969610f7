import { ZbridgeError } from '../errors.js';

/**
 * The shared state (Redis) could not be reached or answered wrongly. The call is refused before anything is
 * sent to v2 — never served with per-process limits instead — and the old client gets v1 4500 (reason `internal`).
 */
export class SharedStateError extends ZbridgeError {
  constructor(message: string, cause?: unknown) {
    super(message, { side: 'bridge', retryable: true, reason: 'internal', cause });
  }
}
