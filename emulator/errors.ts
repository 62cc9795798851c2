/** An error answered in Gemini's format: `{"error":{"code","message","status"}}`. */
export class GeminiApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status: string = statusNameOf(code),
    /** google.rpc details, e.g. RetryInfo on a 429. */
    readonly details?: Record<string, unknown>[],
    /** Response headers that go with it, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toBody() {
    return {
      error: {
        code: this.code,
        message: this.message,
        status: this.status,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

const statusNames: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  408: 'DEADLINE_EXCEEDED',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function statusNameOf(code: number): string {
  return statusNames[code] ?? (code >= 500 ? 'INTERNAL' : 'UNKNOWN');
}

export const invalidArgument = (message: string) => new GeminiApiError(400, message);
export const failedPrecondition = (message: string) => new GeminiApiError(400, message, 'FAILED_PRECONDITION');
export const notFound = (message: string) => new GeminiApiError(404, message);
