import { redactText } from '../redaction/redact.js';

/** An API failure: sent as `{ "error": { "code", "message" } }` with `status`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** The reply body of an error; its message passes the redaction rule (it may quote a store error or a config error). */
export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message: redactText(message) } });
