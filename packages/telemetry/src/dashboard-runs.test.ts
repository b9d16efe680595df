import { join } from 'node:path';
import {
  createManualClock,
  createMultiAgentSpace,
  type LanguageModel,
  registerAgent,
} from '@varplane/core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test/chromium';
import { createHandDrivenSpace } from '../test/hand-driven-space';
import { createDashboard } from './dashboard';
import { instrumentLanguageModel } from './genai-tracing';
import { startMonitoring } from './monitor';
import { createRunLog, type RunLog } from './run-log';

const output = join(import.meta.dirname, '..', 'test', 'output');
const clock = createManualClock(Date.UTC(2026, 0, 1, 9, 0, 0));

// A model that takes 40 ms per agent name length, answers with the task, and fails when asked to.
const model: LanguageModel = {
  specificationVersion: 'v1',
  provider: 'simulated',
  modelId: 'sim-1',
  async generate(request) {
    const prompt = request.messages.at(-1)?.content ?? '';
    clock.advance(40 * (request.agentId?.length ?? 1));
    if (prompt.includes('FAIL')) {
      throw Object.assign(new Error('upstream said 503'), { code: 'LM_HTTP_ERROR' });
    }
    const tokens = prompt.length;
    return {
      text: `done: ${prompt}`,
      finishReason: 'stop',
      usage: { inputTokens: tokens, outputTokens: 7, totalTokens: tokens + 7, cost: tokens * 1e-6 },
      modelId: 'sim-1',
    };
  },
};

// One agent turn as the bridge traces a predictor call: the LM call inside it, then the trace.
async function turn(
  runLog: RunLog,
  lm: LanguageModel,
  runId: string,
  agent: string,
  step: number,
  task: string,
) {
  const startedAt = clock.now();
  clock.advance(5);
  let reply: string | undefined;
  let error: { code: string; message: string } | undefined;
  let usage: { inputTokens: number; outputTokens: number; totalTokens: number } | undefined;
  try {
    const response = await lm.generate({
      agentId: agent,
      messages: [
        { role: 'system', content: `You are the ${agent}.` },
        { role: 'user', content: task },
      ],
    });
    reply = response.text;
    usage = response.usage;
  } catch (e) {
    error = { code: (e as { code: string }).code, message: (e as Error).message };
  }
  clock.advance(5);
  runLog.record({
    agentId: agent,
    runId,
    step,
    input: { task },
    output: reply === undefined ? undefined : { answer: reply },
    configuration: { temperature: 0.2 },
    startedAt,
    endedAt: clock.now(),
    ...(usage === undefined ? {} : { usage }),
    ...(error === undefined ? {} : { error }),
    predictor: '',
    modelId: 'sim-1',
    attempts: 1,
  });
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 30_000);
afterAll(async () => {
  await browser?.close();
});

describe('the run view', () => {
  it('shows each task as agent turns and LM calls with prompt, reply, tokens, latency, errors', async () => {
    const runLog = createRunLog();
    const lm = instrumentLanguageModel(model, { calls: runLog, clock });
    for (const [runId, task] of [
      ['task-1', 'sum two numbers'],
      ['task-2', 'parse a date FAIL'],
      ['task-3', 'reverse a list'],
    ] as const) {
      await turn(runLog, lm, runId, 'planner', 1, task);
      await turn(runLog, lm, runId, 'coder', 2, task);
    }
    let space = createMultiAgentSpace({ id: 'team' });
    for (const id of ['planner', 'coder']) space = registerAgent(space, { id, behaviour: id });
    const monitor = startMonitoring(createHandDrivenSpace(space), { clock, log: () => {} });
    const dashboard = await createDashboard(monitor, { print: () => {}, runLog });
    expect(dashboard.runLog).toBe(runLog);
    const page = await browser.newPage({ viewport: { width: 1440, height: 1400 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dashboard.url);
    await page.waitForSelector('#run-list li[data-run="task-1"]');
    expect(
      await page.$$eval('#run-list li[data-run]', (items) =>
        items.map((li) => li.getAttribute('data-run')),
      ),
    ).toEqual(['task-3', 'task-2', 'task-1']);

    // Filtering: runs with errors only, then by text.
    await page.check('#run-errors');
    expect(
      await page.$$eval('#run-list li[data-run]', (items) =>
        items.map((li) => li.getAttribute('data-run')),
      ),
    ).toEqual(['task-2']);
    await page.uncheck('#run-errors');
    await page.fill('#run-filter', 'task-3');
    expect(await page.$$eval('#run-list li[data-run]', (items) => items.length)).toBe(1);
    await page.fill('#run-filter', '');

    // The failed run: planner's and coder's turns, each with its one LM call and its error.
    await page.click('#run-list li[data-run="task-2"]');
    await page.waitForSelector('#run-detail .run[data-run="task-2"]');
    const turns = await page.$$eval('#run-detail details.turn', (list) =>
      list.map((d) => ({
        agent: d.getAttribute('data-agent'),
        error: d.getAttribute('data-error'),
        calls: d.querySelectorAll('details.call').length,
        text: d.querySelector('.error-line')?.textContent ?? null,
      })),
    );
    expect(turns).toEqual([
      { agent: 'planner', error: 'true', calls: 1, text: 'LM_HTTP_ERROR: upstream said 503' },
      { agent: 'coder', error: 'true', calls: 1, text: 'LM_HTTP_ERROR: upstream said 503' },
    ]);

    // A good run: the call's prompt, reply, tokens and latency, as the model gave them.
    await page.click('#run-list li[data-run="task-1"]');
    await page.waitForSelector('#run-detail .run[data-run="task-1"]');
    await page.click('#run-detail details.turn[data-agent="coder"] details.call summary');
    const call = await page.$eval(
      '#run-detail details.turn[data-agent="coder"] details.call',
      (d) => ({
        open: d.hasAttribute('open'),
        prompt: [...d.querySelectorAll('pre.prompt')].map((p) => p.textContent),
        reply: d.querySelector('pre.reply')?.textContent,
        latency: d.querySelector('[data-latency]')?.getAttribute('data-latency'),
        tokens: d.querySelector('[data-tokens]')?.getAttribute('data-tokens'),
      }),
    );
    expect(call).toEqual({
      open: true,
      prompt: ['You are the coder.', 'sum two numbers'],
      reply: 'done: sum two numbers',
      latency: String(40 * 'coder'.length),
      tokens: String('sum two numbers'.length + 7),
    });
    await page
      .locator('article[aria-labelledby="runs-title"]')
      .screenshot({ path: join(output, 'dashboard-run-view.png') });

    // A new run arrives while the page is open: the list follows.
    await turn(runLog, lm, 'task-4', 'planner', 1, 'count words');
    await page.waitForSelector('#run-list li[data-run="task-4"]');
    expect(errors).toEqual([]);
    await page.close();
    await dashboard.close();
    monitor.stop();
  }, 30_000);
});
