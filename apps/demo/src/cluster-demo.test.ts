import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { findBinary } from '@varplane/test-servers';
import { describe, expect, it } from 'vitest';

const app = join(import.meta.dirname, '..');

/** Runs the demo's command line as a user would; `onLine` sees each line as it comes. */
function demo(args: string[], onLine: (line: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(
    process.execPath,
    ['--conditions=@varplane/source', '--import', 'tsx', 'src/main.ts', ...args],
    { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += String(chunk);
    partial += String(chunk);
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line, child);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += String(chunk);
  });
  return (async () => {
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stdout, stderr };
  })();
}

interface NodesView {
  readonly nodes: ReadonlyArray<{ node: string; status: string; agents: { id: string }[] }>;
}

/** Every pid the demo said it started (nats-servers and node processes). */
const pidsIn = (text: string) => [...text.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(findBinary('nats-server') === undefined)('pnpm demo -- --nodes 3', () => {
  it('places the team on three node processes, moves a coder mid-run, fails a killed node over, shows the nodes on the dashboard, and stops everything it started', async () => {
    let address: string | undefined;
    // Filled in by the line handler (a closure): a holder, so the type is not narrowed away.
    const seen: { cluster?: NodesView | null } = {};
    const { code, stdout, stderr } = await demo(['--nodes', '3', '--dashboard'], (line, child) => {
      address ??= line
        .match(/^varplane dashboard: (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\w+)$/)
        ?.slice(1)
        .join(' ');
      if (!line.startsWith('The dashboard shows the nodes')) return;
      // The scene is over and the cluster stays up: what the nodes view shows, then Ctrl+C.
      const [base, token] = (address ?? '').split(' ');
      fetch(`${base}/api/state`, { headers: { authorization: `Bearer ${token}` } })
        .then((reply) => reply.json() as Promise<{ state: { cluster: NodesView | null } }>)
        .then((body) => {
          seen.cluster = body.state.cluster;
        })
        .finally(() => child.kill('SIGINT'));
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const node of ['n1', 'n2', 'n3'])
      expect(stdout).toMatch(new RegExp(`node ${node} up \\(pid \\d+\\)`));
    // The move: the coder runs on the next node under a later epoch, and no task was lost.
    const move = stdout.match(
      /python_coder moved (n\d) -> (n\d) \(epoch (\d+) -> (\d+)\); (\d+) of (\d+) tasks answered/,
    );
    expect(move).not.toBeNull();
    const [, from, to, before, after, answered, sent] = move as RegExpMatchArray;
    expect([from, to]).toEqual(['n1', 'n2']);
    expect(Number(after)).toBeGreaterThan(Number(before));
    expect(Number(answered)).toBe(Number(sent));
    expect(Number(sent)).toBeGreaterThanOrEqual(6);
    // The failover: n3 held tester and rust_coder; both run on a live node, at later epochs.
    expect(stdout).toMatch(
      /kill -9 n3 \(pid \d+(, the Raft leader)?\), which runs tester, rust_coder/,
    );
    const down = Number(stdout.match(/n3 declared down by a committed entry \(epoch (\d+)\)/)?.[1]);
    expect(down).toBeGreaterThan(Number(after));
    for (const agent of ['tester', 'rust_coder']) {
      const restarted = stdout.match(
        new RegExp(`${agent} restarted on (n[12]) \\(epoch (\\d+)\\)`),
      );
      expect(restarted).not.toBeNull();
      expect(Number(restarted?.[2])).toBeGreaterThan(down);
    }
    expect(stdout).toMatch(/4 of 4 tasks sent to them through refs naming n3 answered/);
    const final = stdout.slice(stdout.indexOf('Where each agent runs now:'));
    expect(final).toMatch(/python_coder\s+n2/);
    expect(final).not.toMatch(/\sn3\s/);
    expect(stdout).toMatch(/Stopped: 3 nodes and 3 nats-servers, each by its pid\./);
    // The nodes view: n3 down and empty, every agent on n1 or n2, python_coder on n2.
    const view = seen.cluster?.nodes ?? [];
    expect(view.map((n) => [n.node, n.status])).toEqual([
      ['n1', 'up'],
      ['n2', 'up'],
      ['n3', 'down'],
    ]);
    expect(view[2]?.agents).toEqual([]);
    const where = Object.fromEntries(view.flatMap((n) => n.agents.map((a) => [a.id, n.node])));
    expect(Object.keys(where).sort()).toEqual([
      'planner',
      'python_coder',
      'reviewer',
      'rust_coder',
      'tester',
      'typescript_coder',
    ]);
    expect(where.python_coder).toBe('n2');
    const pids = pidsIn(stdout);
    expect(pids.length).toBe(7);
    expect(pids.filter(alive)).toEqual([]);
  }, 120_000);

  it('on Ctrl+C mid-run exits 0 and leaves none of its servers or nodes running', async () => {
    let interrupted = false;
    const { code, stdout } = await demo(['--nodes', '3'], (line, child) => {
      // Once the cluster is up and has a leader: every process the demo starts is running.
      if (!interrupted && line.startsWith('  Raft leader:')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(interrupted).toBe(true);
    expect(code).toBe(0);
    const pids = pidsIn(stdout);
    expect(pids.length).toBe(6);
    expect(pids.filter(alive)).toEqual([]);
  }, 120_000);
});
