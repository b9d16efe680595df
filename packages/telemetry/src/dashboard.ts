import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { TimerHandle } from '@varplane/core';
import type { Observable, Subscription } from 'rxjs';
import { z } from 'zod';
import { type ClusterNodeStatus, type ClusterView, clusterNodesSchema } from './cluster-nodes';
import { createDashboardModel, type DashboardState, type OptimizerUpdate } from './dashboard-state';
import { ServerStartError } from './errors';
import { allowedHostSchema, hostMatcher } from './internal/allowed-hosts';
import { checkMonitor } from './internal/check-monitor';
import { containedHandler, requestUrl } from './internal/http-request';
import { isFunction, parseOptions } from './internal/parse';
import { createStateStreams, type StreamStats } from './internal/state-streams';
import type { MetricPoint } from './metric-store';
import type { Monitor } from './monitor';
import { createRunLog, type RunLog } from './run-log';

const observableSchema = z.custom<Observable<unknown>>(
  (v) =>
    typeof v === 'object' && v !== null && isFunction((v as { subscribe?: unknown }).subscribe),
  'must be an observable of node lists',
);

const optionsSchema = z
  .object({
    /** Port on 127.0.0.1; 0 (the default) picks a free one. */
    port: z.number().int().min(0).max(65_535).default(0),
    /** The access token; a random 128-bit one by default. */
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    title: z.string().min(1).default('varplane'),
    /** Chart points kept and sent to a page on connect. */
    historyPoints: z.number().int().positive().default(300),
    /** An optimizer's progress to chart (score per trial, best so far). */
    optimizer: z
      .custom<Observable<OptimizerUpdate>>(
        (v) =>
          typeof v === 'object' && v !== null && isFunction((v as Observable<unknown>).subscribe),
        'must be an Observable of optimizer progress',
      )
      .optional(),
    /** Where the URL with its token is printed (default `console.log`). */
    print: z.custom<(line: string) => void>(isFunction, 'must be a function').optional(),
    /**
     * Other `Host` headers to answer besides `127.0.0.1:<port>` and `localhost:<port>`, for a
     * tunnel or proxy: `['localhost:9000']` after `ssh -L 9000:127.0.0.1:<port>`. A bare name
     * allows it on any port. Every other Host gets 403 (DNS rebinding).
     */
    allowedHosts: z.array(allowedHostSchema).max(64).default([]),
    /** Milliseconds between keep-alive comments on open event streams (monitor clock). */
    heartbeatMs: z.number().int().positive().default(15_000),
    /** Least milliseconds between two frames to a page (wall time): changes in between coalesce. */
    frameIntervalMs: z.number().int().min(0).max(60_000).default(200),
    /**
     * A page whose socket holds more unsent bytes than this gets no frame until it drains; it then
     * gets one patch with everything it missed. Bounds the server's memory per slow page.
     */
    maxBufferedBytes: z
      .number()
      .int()
      .min(16_384)
      .max(64 * 1024 * 1024)
      .default(256 * 1024),
    /**
     * The runs the run view shows (task, agent turns, LM calls); one of its own by default. Create
     * it first to hand it to `instrumentLanguageModel` (`calls`) and to the bridge (`trace`).
     */
    runLog: z
      .custom<RunLog>(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          ['record', 'recordCall', 'runs', 'run', 'pendingCalls'].every((m) =>
            isFunction((v as unknown as Record<string, unknown>)[m]),
          ) &&
          typeof (v as { changes$?: { subscribe?: unknown } }).changes$?.subscribe === 'function',
        'must be a RunLog from createRunLog()',
      )
      .optional(),
    /** Edges drawn at most: a larger topology shows its busiest edges and sums up the rest. */
    maxEdges: z.number().int().min(1).max(10_000).default(60),
  })
  .strict();

export type DashboardOptions = z.input<typeof optionsSchema>;

/** A running dashboard. */
export interface Dashboard {
  /** The page's address with its token: `http://127.0.0.1:<port>/?token=<token>`. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /**
   * Charts an optimizer's progress: a teleprompter's `progress$` as it is, or plain trial points.
   * The dashboard keeps every trial it saw.
   */
  attachOptimizer(progress$: Observable<OptimizerUpdate>): void;
  /**
   * Shows a cluster's nodes (the nodes view): each emission is the whole list, which agents run on
   * which node and whether it is up. An emission that is not such a list is not shown and is
   * counted in `state().cluster.refused`. The view shows the stream's latest list.
   *
   * @example
   * dashboard.attachNodes(of([{ node: 'n1', status: 'up', agents: [{ id: 'coder', epoch: 7 }] }]));
   */
  attachNodes(nodes$: Observable<readonly ClusterNodeStatus[]>): void;
  /** The state the page is showing, as JSON. */
  state(): DashboardState;
  /**
   * The run log behind the run view: a trace sink for the bridge (`agentize(program, { trace })`)
   * and a call sink for `instrumentLanguageModel` (`calls`).
   */
  readonly runLog: RunLog;
  /** Pages connected right now. */
  connections(): number;
  /** Each connected page's stream: frames sent and dropped, bytes sent and still buffered. */
  streams(): StreamStats[];
  close(): Promise<void>;
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

// The page ships as files beside the package's code: `assets/` sits one level above both
// `src/dashboard.ts` and the bundled `dist/index.js`.
function loadAssets(): Map<string, Asset> {
  const here = new URL('../assets/', import.meta.url);
  const require = createRequire(import.meta.url);
  const read = (url: URL | string) => readFileSync(url);
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: read(new URL('dashboard.html', here)) }],
    [
      '/assets/dashboard.css',
      { type: 'text/css; charset=utf-8', body: read(new URL('dashboard.css', here)) },
    ],
    [
      '/assets/dashboard.js',
      { type: 'text/javascript; charset=utf-8', body: read(new URL('dashboard.js', here)) },
    ],
    ['/favicon.svg', { type: 'image/svg+xml', body: read(new URL('favicon.svg', here)) }],
    ['/favicon.ico', { type: 'image/svg+xml', body: read(new URL('favicon.svg', here)) }],
    [
      '/assets/uplot.js',
      {
        type: 'text/javascript; charset=utf-8',
        body: read(require.resolve('uplot/dist/uPlot.iife.min.js')),
      },
    ],
    [
      '/assets/uplot.css',
      { type: 'text/css; charset=utf-8', body: read(require.resolve('uplot/dist/uPlot.min.css')) },
    ],
  ]);
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/**
 * Serves a live dashboard of a monitored space on 127.0.0.1: the supervision tree, the agents with
 * their mailboxes, rates, tokens and errors, the topology with message rates, charts of the tracked
 * series, alerts, insights, the adaptation timeline, and an optimizer's progress. Updates arrive by
 * server-sent events. Every request must carry the token (in the URL the dashboard prints, then in a
 * cookie the page sets); others get 401.
 *
 * @example
 * const dashboard = await createDashboard(monitor); // prints http://127.0.0.1:PORT/?token=...
 * dashboard.attachOptimizer(simba.progress$);
 */
export async function createDashboard(
  monitor: Monitor,
  options: DashboardOptions = {},
): Promise<Dashboard> {
  checkMonitor(monitor, 'createDashboard');
  const parsed = parseOptions(optionsSchema, options, 'createDashboard');
  const token = parsed.token ?? randomBytes(16).toString('hex');
  const { clock } = monitor.options;
  const assets = loadAssets();
  const model = createDashboardModel({
    title: parsed.title,
    series: monitor.options.series,
    collectionIntervalMs: monitor.options.collectionIntervalMs,
    historyPoints: parsed.historyPoints,
    maxEdges: parsed.maxEdges,
    initial: monitor.history(),
  });
  const hostAllowed = hostMatcher(() => port, parsed.allowedHosts);
  const subscriptions: Subscription[] = [];
  let port = 0;
  let cookieName = 'varplane_token';
  let closed = false;

  const runLog = parsed.runLog ?? createRunLog();
  // The nodes view: null until a cluster's nodes are attached.
  let cluster: ClusterView | null = null;
  const state = (): DashboardState =>
    model.state({
      runs: {
        total: runLog.runs().length,
        pendingCalls: runLog.pendingCalls().length,
        version: runLog.version,
      },
      space: monitor.currentSpace(),
      live: monitor.agents(),
      tree: monitor.space.tree?.(),
      alerts: monitor.alerts(),
      now: clock.now(),
      cluster,
    });

  const streams = createStateStreams({
    state,
    chart: () => ({ items: model.chart(), total: model.totals().points }),
    trials: () => ({ items: model.trials(), total: model.totals().trials }),
    frameIntervalMs: parsed.frameIntervalMs,
    maxBufferedBytes: parsed.maxBufferedBytes,
  });
  const changed = () => {
    if (!closed) streams.changed();
  };

  subscriptions.push(
    monitor.space.events$.subscribe((event) => {
      model.observeEvent(event);
      changed();
    }),
    monitor.space.space$.subscribe(() => changed()),
    runLog.changes$.subscribe(() => changed()),
    monitor.metrics$.subscribe((snapshot) => {
      model.observeWindow(snapshot);
      changed();
    }),
    monitor.alerts$.subscribe((event) => {
      model.observeAlert(event, clock.now());
      changed();
    }),
    monitor.insights$.subscribe((insight) => {
      model.observeInsight(insight);
      changed();
    }),
  );
  const attachOptimizer = (progress$: Observable<OptimizerUpdate>) => {
    const fold = model.optimizerSource();
    subscriptions.push(
      progress$.subscribe((update) => {
        if (fold(update) !== undefined) changed();
      }),
    );
  };
  if (parsed.optimizer !== undefined) attachOptimizer(parsed.optimizer);

  const attachNodes = (nodes$: Observable<readonly ClusterNodeStatus[]>) => {
    parseOptions(observableSchema, nodes$, 'attachNodes: nodes$');
    cluster ??= { nodes: [], refused: 0 };
    subscriptions.push(
      nodes$.subscribe((nodes) => {
        const parsedNodes = clusterNodesSchema.safeParse(nodes);
        const current = cluster ?? { nodes: [], refused: 0 };
        cluster = parsedNodes.success
          ? { nodes: parsedNodes.data, refused: current.refused }
          : { nodes: current.nodes, refused: current.refused + 1 };
        changed();
      }),
    );
    changed();
  };

  let heartbeatTimer: TimerHandle | undefined;
  const heartbeat = () => {
    if (closed) return;
    streams.heartbeat();
    heartbeatTimer = clock.setTimeout(heartbeat, parsed.heartbeatMs);
  };

  const refuse = (response: ServerResponse, status: number, message: string) => {
    response
      .writeHead(status, {
        ...SECURITY_HEADERS,
        'content-type': 'text/plain; charset=utf-8',
        ...(status === 401 ? { 'www-authenticate': 'Bearer realm="varplane"' } : {}),
      })
      .end(`${message}\n`);
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = requestUrl(request);
    if (url === undefined) {
      refuse(response, 400, 'bad request: the target is not a URL path');
      return;
    }
    // Only this host (and those allowed), so a page elsewhere cannot reach the dashboard by DNS
    // rebinding.
    if (!hostAllowed(request.headers.host)) {
      refuse(response, 403, 'forbidden: unexpected Host');
      return;
    }
    if (request.method !== 'GET') {
      refuse(response, 405, 'method not allowed');
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const given = url.searchParams.get('token') ?? bearer ?? cookie(request, cookieName);
    if (!tokenMatches(given, token)) {
      refuse(
        response,
        401,
        'unauthorized: open the URL with its token, as the dashboard printed it',
      );
      return;
    }
    const asset = assets.get(url.pathname);
    if (asset !== undefined) {
      const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': asset.type };
      if (url.pathname === '/') {
        headers['set-cookie'] =
          `${cookieName}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
      }
      response.writeHead(200, headers).end(asset.body);
      return;
    }
    switch (url.pathname) {
      case '/api/state':
        response
          .writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' })
          .end(JSON.stringify({ state: state(), chart: model.chart(), trials: model.trials() }));
        return;
      case '/api/history': {
        const number = (key: string) => {
          const raw = url.searchParams.get(key);
          return raw === null || raw === '' ? undefined : Number(raw);
        };
        const from = number('from');
        const to = number('to');
        const limit = number('limit');
        for (const [key, value] of [
          ['from', from],
          ['to', to],
          ['limit', limit],
        ] as const) {
          if (value !== undefined && !Number.isFinite(value)) {
            refuse(
              response,
              400,
              `bad request: ${key} must be a number (got ${url.searchParams.get(key)})`,
            );
            return;
          }
        }
        const series = url.searchParams.getAll('series');
        const agent = url.searchParams.get('agent');
        let points: MetricPoint[];
        try {
          points = monitor.query({
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
            ...(series.length === 0 ? {} : { series }),
            ...(agent === null || agent === '' ? {} : { agent }),
            ...(limit === undefined ? {} : { limit }),
          });
        } catch (error) {
          // A query the store refuses (from=abc) is the page's mistake, said as such.
          refuse(response, 400, error instanceof Error ? error.message : String(error));
          return;
        }
        response
          .writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' })
          .end(JSON.stringify(points));
        return;
      }
      case '/api/runs':
        response
          .writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' })
          .end(JSON.stringify({ runs: runLog.runs(), pendingCalls: runLog.pendingCalls() }));
        return;
      case '/events': {
        response.writeHead(200, {
          ...SECURITY_HEADERS,
          'content-type': 'text/event-stream; charset=utf-8',
          connection: 'keep-alive',
        });
        streams.open(response);
        return;
      }
      default: {
        if (url.pathname.startsWith('/api/runs/')) {
          let id: string | undefined;
          try {
            id = decodeURIComponent(url.pathname.slice('/api/runs/'.length));
          } catch {
            id = undefined;
          }
          const run = id === undefined ? undefined : runLog.run(id);
          if (run === undefined) {
            refuse(response, 404, 'no such run');
            return;
          }
          response
            .writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json' })
            .end(JSON.stringify(run));
          return;
        }
        refuse(response, 404, 'not found');
      }
    }
  };

  const server = createServer(containedHandler(handle));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(parsed.port, '127.0.0.1', resolve);
    });
  } catch (cause) {
    for (const subscription of subscriptions) subscription.unsubscribe();
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ServerStartError({
      message: `dashboard: cannot listen on 127.0.0.1:${parsed.port}: ${why}`,
      cause,
    });
  }
  const close = async () => {
    if (closed) return;
    closed = true;
    if (heartbeatTimer !== undefined) clock.clearTimeout(heartbeatTimer);
    for (const subscription of subscriptions) subscription.unsubscribe();
    streams.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  let url: string;
  try {
    port = (server.address() as AddressInfo).port;
    cookieName = `varplane_token_${port}`;
    url = `http://127.0.0.1:${port}/?token=${token}`;
    heartbeatTimer = clock.setTimeout(heartbeat, parsed.heartbeatMs);
    (parsed.print ?? ((line: string) => console.log(line)))(`varplane dashboard: ${url}`);
  } catch (cause) {
    // Listening already: a failure past this point must not leave the port open.
    await close();
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ServerStartError({
      message: `dashboard: started on 127.0.0.1:${port} but could not finish starting: ${why}`,
      cause,
    });
  }

  return {
    url,
    port,
    token,
    attachOptimizer,
    attachNodes,
    runLog,
    state,
    connections: () => streams.size,
    streams: () => streams.stats(),
    close,
  };
}
