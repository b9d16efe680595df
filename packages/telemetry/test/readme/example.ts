import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMultiAgentSpace, registerAgent } from '@varplane/core';
import { type Behaviour, startSpace } from '@varplane/runtime';
import { createDashboard, createPrometheusExporter, startMonitoring } from '@varplane/telemetry';

const worker: Behaviour<null, string> = {
  name: 'worker',
  init: () => null,
  handle(task, state, ctx) {
    if (ctx.isCall) ctx.reply(`did ${task}`);
    return state;
  },
};
const team = registerAgent(createMultiAgentSpace({ id: 'team' }), {
  id: 'worker',
  behaviour: 'worker',
});
const running = await startSpace(team, { behaviours: { worker } });
await running.startAgents();
const monitor = startMonitoring(running, {
  collectionIntervalMs: 1_000,
  metricsToTrack: ['mailbox_depth', 'messages_per_second', 'errors', 'latency'],
  aggregation: { latency: 'percentile' },
  units: { latency: 'ms' }, // a user metric, fed by monitor.record('latency', ms)
  alertThresholds: {
    mailbox_depth: { warning: 50, critical: 200, action: 'auto_scale' },
    errors: { warning: 1, critical: 5, action: 'restart_agent', perAgent: true },
  },
  storage: { backend: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'metrics-')), 'm.db') },
});
monitor.insights$.subscribe((insight) => console.log(insight.description));
const dashboard = await createDashboard(monitor, { print: () => {} }); // prints its URL by default
const exporter = await createPrometheusExporter(monitor, { port: 0 }); // 0: a free port
console.log(await running.call('worker', 'a task')); // did a task
console.log((await fetch(`${exporter.url}`)).status); // 200
console.log(dashboard.url.startsWith('http://127.0.0.1:')); // true
await exporter.close();
await dashboard.close();
monitor.stop();
await running.stop();
