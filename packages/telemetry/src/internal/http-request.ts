import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * The request's target as a URL, or undefined when it is not one (`GET //[ HTTP/1.1` is a valid
 * request line but not a URL), so a handler can answer 400 instead of throwing.
 */
export function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://127.0.0.1');
  } catch {
    return undefined;
  }
}

/**
 * Wraps a request handler so that nothing it throws can reach the process: a server never dies of a
 * request. A handler that throws after it started a response has its connection closed.
 */
export function containedHandler(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): RequestListener {
  return (request, response) => {
    try {
      handle(request, response);
    } catch {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response
        .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
        .end('internal error\n');
    }
  };
}
