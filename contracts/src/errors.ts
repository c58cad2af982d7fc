/**
 * The one error tree of Veritally. Every error says whether trying the same thing again can
 * help: a dropped connection can (RetryableError), a malformed ref cannot (NonRetryableError).
 */
export class VeritallyError extends Error {
  readonly retryable: boolean;
  readonly code: string;
  constructor(code: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
  }
}

/** Trying again later may succeed (an RPC or database outage, a timeout). */
export class RetryableError extends VeritallyError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, true, options);
  }
}

/** Trying again cannot succeed without changing the input or the configuration. */
export class NonRetryableError extends VeritallyError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, false, options);
  }
}

/** A value given by a user or a caller is malformed; `field` names it. */
export class InvalidInputError extends NonRetryableError {
  readonly field: string;
  constructor(field: string, message: string) {
    super("invalid_input", `${field}: ${message}`);
    this.field = field;
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof VeritallyError && error.retryable;
}
