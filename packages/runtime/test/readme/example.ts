import { createMultiAgentSpace, registerAgent } from '@varplane/core';
import { type Behaviour, startSpace } from '@varplane/runtime';

const echo: Behaviour<number, string> = {
  name: 'echo',
  init: () => 0,
  handle(text, count, ctx) {
    if (ctx.isCall) ctx.reply(`${ctx.self.id} heard ${text} (#${count + 1})`);
    return count + 1;
  },
};
let space = createMultiAgentSpace({ id: 'team', topology: 'ring' });
for (const id of ['planner', 'coder']) space = registerAgent(space, { id, behaviour: 'echo' });
const team = await startSpace(space, { behaviours: { echo } });
await team.startAgents();
console.log(await team.call('coder', 'hello')); // "coder heard hello (#1)"
await team.stop();
