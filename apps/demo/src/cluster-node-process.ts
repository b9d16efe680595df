/**
 * One node of `pnpm demo -- --nodes 3`, in its own process (`cluster-node-process.ts <json>`): a
 * voter of the cluster's Raft control plane that can run every agent of the software team. It
 * hosts `control-<node>`, through which the demo places, moves and looks agents up, prints every
 * cluster event as a line `event {...}`, prints `ready`, and ends when the demo closes its stdin
 * (so a demo that dies leaves no node behind) or when it is killed.
 */
import { type ClusterNode, migrateAgent, startClusterNode } from '@varplane/cluster';
import type { AnyBehaviour, Behaviour } from '@varplane/runtime';
import { movable } from './movable-agent';
import { codingTasks, demoModel, softwareTeam } from './software-team';

export interface NodeProcessConfig {
  readonly cluster: string;
  readonly node: string;
  readonly servers: readonly string[];
  readonly peers: readonly string[];
  readonly seed: number;
}

/** What the demo asks a node's `control-<node>` agent. */
export type ControlMessage =
  | { type: 'place'; id: string; behaviour: string; args: unknown; node: string }
  | { type: 'migrate'; id: string; to: string }
  | { type: 'placement'; id: string }
  | { type: 'members' }
  | { type: 'leader' };

const config = JSON.parse(process.argv[2] ?? '{}') as NodeProcessConfig;
const team = softwareTeam(demoModel(config.seed).lm, codingTasks(4, 0));
const behaviours = new Map<string, AnyBehaviour>(
  Object.values(team.behaviours).map((behaviour) => [behaviour.name, movable(behaviour)]),
);

const member: ClusterNode = await startClusterNode({
  cluster: config.cluster,
  node: config.node,
  servers: [...config.servers],
  peers: [...config.peers],
  behaviours: [...behaviours.values()],
  tickMs: 50,
  checkpointMs: 500,
  // Twice the defaults: a node process stalled for a second or two by a busy machine fences
  // itself for a moment but is not declared down, so only the node the demo kills fails over.
  leaseMs: 2_000,
  downAfterMs: 4_000,
});
member.events$.subscribe((event) => process.stdout.write(`event ${JSON.stringify(event)}\n`));

const controller: Behaviour<null, ControlMessage> = {
  name: 'controller',
  init: () => null,
  async handle(message, state, ctx) {
    try {
      if (message.type === 'place') {
        const behaviour = behaviours.get(message.behaviour);
        if (behaviour === undefined) throw new Error(`no behaviour ${message.behaviour}`);
        ctx.reply(
          await member.placeAgent(behaviour, {
            id: message.id,
            args: message.args,
            node: message.node,
          }),
        );
      } else if (message.type === 'migrate') {
        const ref = await migrateAgent(member, message.id, message.to, { timeoutMs: 5_000 });
        ctx.reply({ ok: true, ref });
      } else if (message.type === 'placement') {
        await member.control?.sync();
        ctx.reply(member.control?.view().placement(message.id) ?? null);
      } else if (message.type === 'members') {
        ctx.reply([...(member.control?.view().members().values() ?? [])]);
      } else {
        ctx.reply({ leader: member.control?.leader() ?? null });
      }
    } catch (error) {
      const failure = error as { code?: string; message?: string };
      ctx.reply({ ok: false, code: failure?.code, message: failure?.message });
    }
    return state;
  },
};
member.system.spawn(controller, undefined, { id: `control-${config.node}` });

// The demo holds this pipe open while it runs: when it closes (the demo ended, or died), stop.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const forced = setTimeout(() => process.exit(0), 3_000);
  forced.unref();
  member.stop().finally(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);

await member.connection.flush();
process.stdout.write('ready\n');
