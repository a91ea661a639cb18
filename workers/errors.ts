/** The API error: routes throw it with a status and a code; the app's one `onError` renders it as JSON. */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error the API reports to its caller as `{ error: { code, message } }`. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(status, { message, cause: options?.cause });
    this.name = "ApiError";
  }
}
