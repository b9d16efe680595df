import { type Behaviour, createActorSystem } from '@varplane/runtime';

const notes: Behaviour<string[], string> = {
  name: 'notes',
  init: () => [],
  handle(note, seen, ctx) {
    if (ctx.isCall) ctx.reply([...seen, note]);
    return [...seen, note];
  },
};
const system = createActorSystem({ node: 'a' });
const other = createActorSystem({ node: 'b' });
const ref = system.spawn(notes);
system.send(ref, 'first');

await system.suspend(ref); // finishes the message in hand, then holds its mail
system.send(ref, 'held'); // waits in the suspended agent's mailbox
const snapshot = system.export(ref); // JSON: state (via behaviour.snapshot), mail, names, links, monitors
const moved = other.adopt(snapshot, { behaviour: notes }); // starts from the state, with the mail first
system.release(ref, moved); // forwards mail held since the export, in order, and later mail too
console.log(await other.call(moved, 'after the move')); // [ 'first', 'held', 'after the move' ]
await system.shutdown();
await other.shutdown();
