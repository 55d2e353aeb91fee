import { useEffect, useRef } from "react";
import { SwaggerUIBundle } from "swagger-ui-dist";
import "swagger-ui-dist/swagger-ui.css";
import { credentials } from "../api/credentials";

/**
 * Swagger UI (bundled from swagger-ui-dist: no CDN) on the server's own OpenAPI document. Its
 * "Try it out" calls carry the UI's credentials, so they work with server.auth as the UI does.
 */
export default function ApiDocsPage() {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    SwaggerUIBundle({
      domNode: host.current!,
      url: "/api/v1/openapi.json",
      deepLinking: false,
      requestInterceptor: (request) => {
        request.headers ??= {};
        const authorization = credentials.get();
        if (authorization) request.headers.Authorization = authorization;
        request.headers["X-Requested-With"] = "XMLHttpRequest";
        return request;
      },
    });
  }, []);
  return <div ref={host} className="api-docs" data-testid="api-docs" />;
}
