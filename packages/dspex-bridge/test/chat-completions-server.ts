import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the test server received, body parsed as JSON when it is JSON. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** Answers one request; may leave the response open (to test timeouts and aborts). */
export type Responder = (request: ReceivedRequest, response: ServerResponse) => void;

export interface ChatServer {
  /** The API root, `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  requests: ReceivedRequest[];
  /** Resolves with the next request received (or one already waiting unclaimed). */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

/** A chat completion body as OpenAI sends it. */
export function completion(
  content: string | null,
  options: {
    finishReason?: string | null;
    usage?: Record<string, number> | null;
    model?: string;
  } = {},
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1,
    model: options.model ?? 'test-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content },
        finish_reason: options.finishReason === undefined ? 'stop' : options.finishReason,
      },
    ],
  };
  if (options.usage !== null) {
    body.usage = options.usage ?? { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
  }
  return body;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/**
 * A real HTTP server on 127.0.0.1 and a free port, speaking the chat completions wire format. Each
 * request is answered by the next responder in the list (the last one repeats).
 */
export async function startChatServer(responders: readonly Responder[]): Promise<ChatServer> {
  const requests: ReceivedRequest[] = [];
  const waiting: ((request: ReceivedRequest) => void)[] = [];
  let claimed = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { raw: text };
      }
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
      };
      const responder = responders[Math.min(requests.length, responders.length - 1)] as Responder;
      requests.push(received);
      const waiter = waiting.shift();
      if (waiter !== undefined) {
        claimed++;
        waiter(received);
      }
      responder(received, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    nextRequest() {
      if (claimed < requests.length) return Promise.resolve(requests[claimed++] as ReceivedRequest);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
