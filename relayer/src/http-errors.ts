/** Errors that become HTTP answers `{error: {code, message}}`; part of the shared error tree. */
import { NonRetryableError } from "@veritally/contracts";

export class HttpError extends NonRetryableError {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  constructor(statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.statusCode = statusCode;
    this.headers = headers;
  }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message);
export const unauthorized = (message = "missing or invalid API key") =>
  new HttpError(401, "unauthorized", message, { "www-authenticate": 'Bearer realm="veritally"' });
export const notFound = (code: string, message: string) => new HttpError(404, code, message);
export const conflict = (code: string, message: string) => new HttpError(409, code, message);
export const unprocessable = (code: string, message: string) => new HttpError(422, code, message);
export const unavailable = (code: string, message: string, retryAfterSeconds = 5) =>
  new HttpError(503, code, message, { "retry-after": String(retryAfterSeconds) });
