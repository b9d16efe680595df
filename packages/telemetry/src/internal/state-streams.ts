import type { ServerResponse } from 'node:http';
import type { ChartPoint, DashboardState, OptimizerTrial } from '../dashboard-state';
import { fullFrame, patchFrame, toWireState, type WireState } from './state-patch';

/** How one page's event stream is doing. */
export interface StreamStats {
  readonly framesSent: number;
  /** Frames skipped because the page had not read the ones before (they coalesce into the next). */
  readonly framesDropped: number;
  readonly bytesSent: number;
  /** Bytes written and not yet taken by the page's socket. */
  readonly bufferedBytes: number;
}

/** An append-only list the page follows: the kept tail and how many were ever added. */
export interface Tail<T> {
  readonly items: readonly T[];
  readonly total: number;
}

interface Client {
  readonly response: ServerResponse;
  base: WireState;
  pointsSent: number;
  trialsSent: number;
  framesSent: number;
  framesDropped: number;
  bytesSent: number;
  waitingForDrain: boolean;
}

/**
 * The pages' event streams. A page gets the whole state once, then patches: what changed since the
 * version it holds, at most one frame per `frameIntervalMs` however often the state changes. A page
 * whose socket still holds more than `maxBufferedBytes` gets no frame; when it drains it gets one
 * patch from the version it holds, so a slow page skips frames instead of growing the server's
 * memory. Each page costs the version it holds (shared by pages that are up to date) and its
 * socket's buffer.
 */
export interface StateStreams {
  open(response: ServerResponse): void;
  /** Something changed: a frame goes out within `frameIntervalMs`. */
  changed(): void;
  /** Writes a keep-alive comment to every page that is keeping up. */
  heartbeat(): void;
  stats(): StreamStats[];
  readonly size: number;
  close(): void;
}

const tail = <T>(list: Tail<T>, sent: number): readonly T[] => {
  const missing = list.total - sent;
  if (missing <= 0) return [];
  return missing >= list.items.length ? list.items : list.items.slice(list.items.length - missing);
};

export function createStateStreams(options: {
  state: () => DashboardState;
  chart: () => Tail<ChartPoint>;
  trials: () => Tail<OptimizerTrial>;
  frameIntervalMs: number;
  maxBufferedBytes: number;
}): StateStreams {
  const clients = new Set<Client>();
  let version = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastFrameAt = Number.NEGATIVE_INFINITY;
  let closed = false;

  const snapshot = () => {
    const state = options.state();
    version += 1;
    return { state, wire: toWireState(state, version) };
  };

  const congested = (client: Client) => {
    if (client.response.writableLength <= options.maxBufferedBytes) return false;
    if (!client.waitingForDrain) {
      client.waitingForDrain = true;
      client.response.once('drain', () => {
        client.waitingForDrain = false;
        schedule();
      });
    }
    return true;
  };

  const write = (client: Client, frame: string) => {
    client.response.write(frame);
    client.framesSent += 1;
    client.bytesSent += Buffer.byteLength(frame);
  };

  // The points and trials a page has not seen yet, as JSON members; `""` when none.
  const tails = (client: Client, chart: Tail<ChartPoint>, trials: Tail<OptimizerTrial>) => {
    const points = tail(chart, client.pointsSent);
    const newTrials = tail(trials, client.trialsSent);
    client.pointsSent = chart.total;
    client.trialsSent = trials.total;
    return (
      (points.length > 0 ? `,"points":${JSON.stringify(points)}` : '') +
      (newTrials.length > 0 ? `,"trials":${JSON.stringify(newTrials)}` : '')
    );
  };

  const flush = () => {
    timer = undefined;
    if (closed || clients.size === 0) return;
    lastFrameAt = Date.now();
    const { state, wire } = snapshot();
    const chart = options.chart();
    const trials = options.trials();
    // Pages that hold the same version get the same patch, computed once.
    const patches = new Map<number, string | undefined>();
    for (const client of clients) {
      if (congested(client)) {
        client.framesDropped += 1;
        continue;
      }
      const base = client.base.version;
      if (!patches.has(base)) patches.set(base, patchFrame(client.base, wire, state.feed));
      const patch = patches.get(base);
      const extra = tails(client, chart, trials);
      client.base = wire;
      if (patch === undefined && extra === '') continue;
      const body =
        patch === undefined ? `{"v":${wire.version},"base":${base}${extra}}` : `${patch}${extra}}`;
      write(client, `event: patch\ndata: ${body}\n\n`);
    }
  };

  function schedule() {
    if (timer !== undefined || closed) return;
    const wait = Math.max(0, lastFrameAt + options.frameIntervalMs - Date.now());
    timer = setTimeout(flush, wait);
  }

  return {
    open(response) {
      const { state, wire } = snapshot();
      const chart = options.chart();
      const trials = options.trials();
      const client: Client = {
        response,
        base: wire,
        pointsSent: chart.total,
        trialsSent: trials.total,
        framesSent: 0,
        framesDropped: 0,
        bytesSent: 0,
        waitingForDrain: false,
      };
      const extra = `,"points":${JSON.stringify(chart.items)},"trials":${JSON.stringify(trials.items)}`;
      write(client, `retry: 1000\nevent: full\ndata: ${fullFrame(state, wire, extra)}\n\n`);
      clients.add(client);
      response.on('close', () => clients.delete(client));
    },
    changed: schedule,
    heartbeat() {
      for (const client of clients) {
        if (client.response.writableLength <= options.maxBufferedBytes) {
          client.response.write(': keep-alive\n\n');
        }
      }
    },
    stats: () =>
      [...clients].map((c) => ({
        framesSent: c.framesSent,
        framesDropped: c.framesDropped,
        bytesSent: c.bytesSent,
        bufferedBytes: c.response.writableLength,
      })),
    get size() {
      return clients.size;
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const client of clients) client.response.end();
      clients.clear();
    },
  };
}
