import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@varplane/test-servers';

/**
 * `@dwmkerr/mock-llm`, a real OpenAI-compatible server process, started on 127.0.0.1 on a free
 * port with the rules below and stopped by its PID. Rules match the last message (last match
 * wins); every answer but the streamed ones reports usage.
 *
 * - anything: echoes the last message, with usage `3 + 2`
 * - a user message with `use-tool`: calls `get_weather` with `{"city":"Paris"}`
 * - a tool result: answers `{"forecast":"<the tool's result>"}`
 * - `not-a-completion`: a 200 whose body is `{"hello":"world"}`
 * - `echo-key`: a 401 whose message echoes the Authorization header, as careless servers do
 *
 * What it cannot do: it streams `choices[0].message.content` only; asked to stream a rule that
 * answers with tool calls, 0.1.29 fails with HTTP 500 (it reads the null content's length). So
 * streamed tool calls are tested against this package's own `node:http` server
 * (`chat-completions-server.ts`), as are the error cases it cannot make (stalls, huge bodies).
 */
export interface MockLlm {
  /** The API root, `http://127.0.0.1:PORT/v1`. */
  readonly baseURL: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

function answer(message: Record<string, unknown>, finishReason: string): string {
  return JSON.stringify({
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1,
    model: 'mock-model',
    choices: [
      { index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason },
    ],
    usage,
  });
}

const last = 'body.messages[-1]';
const rule = (match: string, status: number, content: string) => ({
  path: '/v1/chat/completions',
  method: 'POST',
  match,
  response: { status, content },
});

// YAML is a superset of JSON: the config is written as JSON, so no template needs YAML quoting.
const CONFIG = {
  streaming: { chunkSize: 4, chunkIntervalMs: 2 },
  rules: [
    rule('@', 200, answer({ content: `{{jmes request ${last}.content}}` }, 'stop')),
    rule(
      `${last}.role == 'user' && contains(${last}.content, 'use-tool')`,
      200,
      answer(
        {
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        'tool_calls',
      ),
    ),
    rule(
      `${last}.role == 'tool'`,
      200,
      answer({ content: `{"forecast":"{{jmes request ${last}.content}}"}` }, 'stop'),
    ),
    rule(`contains(${last}.content, 'not-a-completion')`, 200, '{"hello":"world"}'),
    rule(
      `contains(${last}.content, 'echo-key')`,
      401,
      JSON.stringify({
        error: {
          message: 'bad key {{jmes request headers.authorization}}',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      }),
    ),
  ],
};

export async function startMockLlm(): Promise<MockLlm> {
  const main = createRequire(import.meta.url).resolve('@dwmkerr/mock-llm');
  const dir = mkdtempSync(join(tmpdir(), 'varplane-mock-llm-'));
  const config = join(dir, 'mock-llm.yaml');
  writeFileSync(config, JSON.stringify(CONFIG, null, 2));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [main, '--config', config], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const baseURL = `http://127.0.0.1:${port}/v1`;
    if (await ready(child, `http://127.0.0.1:${port}/ready`)) {
      return {
        baseURL,
        pid: child.pid as number,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            process.kill(child.pid as number, 'SIGTERM');
            await Promise.race([exited, sleep(3_000)]);
            if (child.exitCode === null && child.signalCode === null)
              process.kill(child.pid as number, 'SIGKILL');
            await exited;
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode === null) process.kill(child.pid as number, 'SIGKILL');
    await exited;
    // Another process took the port between freePort and the bind: try another.
    if (attempt < 3 && /EADDRINUSE/.test(log)) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mock-llm did not start:\n${log}`);
  }
}

async function ready(child: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // Not listening yet.
    }
    await sleep(25);
  }
  return false;
}
