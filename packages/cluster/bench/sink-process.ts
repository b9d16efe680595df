/**
 * The far end of the cluster benchmark, in its own process: node `sink` with an agent that counts
 * and answers, and a raw NATS subscriber that does the same work for the baseline.
 */
import type { Behaviour } from '@varplane/runtime';
import { startClusterNode } from '../src/cluster-node';

const [url] = process.argv.slice(2) as [string];
const member = await startClusterNode({ cluster: 'bench', node: 'sink', servers: url });

type Message = { type: 'work'; body: string } | { type: 'count' } | { type: 'ping'; body: string };
const sink: Behaviour<number, Message> = {
  name: 'sink',
  init: () => 0,
  handle(message, count, ctx) {
    if (message.type === 'work') return count + 1;
    ctx.reply(message.type === 'count' ? count : message.body.length);
    return count;
  },
};
member.system.spawn(sink, undefined, { id: 'sink' });

// The baseline: the same JSON payloads, decoded and counted by a plain subscriber.
const read = new TextDecoder();
let raw = 0;
member.connection.subscribe('bench.raw.cast', {
  callback: (_, msg) => {
    JSON.parse(read.decode(msg.data));
    raw += 1;
  },
});
member.connection.subscribe('bench.raw.call', {
  callback: (_, msg) => {
    const message = JSON.parse(read.decode(msg.data)) as { type: string; body?: string };
    msg.respond(
      JSON.stringify(message.type === 'count' ? raw : { ok: true, value: message.body?.length }),
    );
  },
});
await member.connection.flush();
process.stdout.write('ready\n');
