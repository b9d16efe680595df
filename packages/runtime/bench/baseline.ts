/**
 * The baselines the runtime is measured against. {@link RunQueue} is varplane's own design with
 * nothing else: one shared run queue drained in one microtask, a ring mailbox per actor, one
 * message at a time and the same turn quantum, but no supervision, no lifecycle, no calls, no
 * fairness by weight and no yielding to the host. What the runtime costs above it is the price of
 * those features.
 */
export type Handler = (message: unknown, actor: RingActor) => void;

/** An actor of the baseline: a ring mailbox and a handler. */
export class RingActor {
  mail: unknown[] = new Array<unknown>(8);
  head = 0;
  size = 0;
  queued = false;

  constructor(
    private readonly queue: RunQueue,
    public handler: Handler,
    public state: unknown = undefined,
  ) {}

  send(message: unknown): void {
    let mail = this.mail;
    if (this.size === mail.length) {
      const next = new Array<unknown>(mail.length * 2);
      for (let i = 0; i < this.size; i++) next[i] = mail[(this.head + i) & (mail.length - 1)];
      this.mail = mail = next;
      this.head = 0;
    }
    mail[(this.head + this.size) & (mail.length - 1)] = message;
    this.size++;
    if (!this.queued) this.queue.enqueue(this);
  }

  shift(): unknown {
    const mail = this.mail;
    const message = mail[this.head];
    mail[this.head] = undefined;
    this.head = (this.head + 1) & (mail.length - 1);
    this.size--;
    return message;
  }
}

/** The shared run queue: a ring of actors with mail, drained by one microtask per run. */
export class RunQueue {
  private items: (RingActor | undefined)[] = new Array(1024);
  private head = 0;
  private size = 0;
  private scheduled = false;

  constructor(private readonly quantum = 64) {}

  spawn(handler: Handler, state?: unknown): RingActor {
    return new RingActor(this, handler, state);
  }

  enqueue(actor: RingActor): void {
    actor.queued = true;
    this.push(actor);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.run);
    }
  }

  private push(actor: RingActor): void {
    if (this.size === this.items.length) {
      const next = new Array<RingActor | undefined>(this.items.length * 2);
      for (let i = 0; i < this.size; i++) {
        next[i] = this.items[(this.head + i) & (this.items.length - 1)];
      }
      this.items = next;
      this.head = 0;
    }
    this.items[(this.head + this.size) & (this.items.length - 1)] = actor;
    this.size++;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    while (this.size > 0) {
      const actor = this.items[this.head] as RingActor;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) & (this.items.length - 1);
      this.size--;
      let left = this.quantum;
      while (actor.size > 0 && left-- > 0) actor.handler(actor.shift(), actor);
      if (actor.size > 0) this.push(actor);
      else actor.queued = false;
    }
  };
}

/** Like a {@link RingActor} handler with try/catch and re-init: the least a restart could cost. */
export function restarting(handler: Handler, init: () => unknown): Handler {
  return (message, actor) => {
    try {
      handler(message, actor);
    } catch {
      actor.state = init();
    }
  };
}
