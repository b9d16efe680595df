import { type Behaviour, createActorSystem } from '@varplane/runtime';

// Every callback a behaviour may have; only `name` and `handle` are required.
type Count = { count: number };
const counter: Behaviour<Count, 'add' | 'get', { from: number }> = {
  name: 'counter',
  version: '2',
  init: (args) => ({ count: args.from }), // without init, the state is the args
  handle(message, state, ctx) {
    if (message === 'get' && ctx.isCall) ctx.reply(state.count);
    return message === 'add' ? { count: state.count + 1 } : state; // the next state
  },
  terminate: (reason, state) => console.log(`stopped (${String(reason)}) at ${state.count}`),
  codeChange: (old) => ({ count: (old as { n: number }).n }), // from version 1's { n }
  snapshot: (state) => state, // what `export` puts in a snapshot when the agent moves
  restore: (data) => data as Count,
};
const system = createActorSystem();
const ref = system.spawn(counter, { from: 41 });
system.send(ref, 'add');
console.log(await system.call(ref, 'get')); // 42
await system.stop(ref); // runs terminate
await system.shutdown();
