import { isUnavailable, UserError, type ErrorDetail } from "@ferry/sdk";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";

export interface ErrorBody {
  message: string;
  errors?: ErrorDetail[];
}

/** The only place errors become HTTP responses: 4xx with what was wrong, 500 without details. */
export function errorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof UserError) {
      const body: ErrorBody = { message: error.message, ...(error.errors ? { errors: error.errors } : {}) };
      return c.json(body, error.status as ContentfulStatusCode);
    }
    if (error instanceof HTTPException) {
      const message = error.status === 413 ? "request body too large" : error.message || "bad request";
      return c.json({ message } satisfies ErrorBody, error.status);
    }
    if (error instanceof SyntaxError) return c.json({ message: `body does not parse: ${error.message}` } satisfies ErrorBody, 400);
    if (isUnavailable(error)) {
      logger.warn({ err: error, path: c.req.path }, "a backend is unavailable");
      return c.json({ message: `service unavailable: ${error.message.split("\n")[0]}; retry later` } satisfies ErrorBody, 503);
    }
    logger.error({ err: error, path: c.req.path }, "request failed");
    return c.json({ message: "internal server error" } satisfies ErrorBody, 500);
  };
}
