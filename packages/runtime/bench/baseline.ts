/**
 * The raw baseline the runtime is measured against: an actor that is only an array mailbox and a
 * handler, drained by one `queueMicrotask` per batch. No supervision, no fairness, no calls.
 */
export class BareActor {
  private queue: unknown[] = [];
  private scheduled = false;
  state: unknown;

  constructor(
    private readonly handler: (message: unknown, actor: BareActor) => void,
    state?: unknown,
  ) {
    this.state = state;
  }

  send(message: unknown): void {
    this.queue.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.drain);
    }
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (let i = 0; i < batch.length; i++) this.handler(batch[i], this);
  };
}

/** Like {@link BareActor}, with try/catch and re-init: the least a restart could cost. */
export class BareRestartingActor {
  private queue: unknown[] = [];
  private scheduled = false;
  state: { count: number } = { count: 0 };
  restarts = 0;

  constructor(private readonly handler: (message: unknown, state: { count: number }) => void) {}

  send(message: unknown): void {
    this.queue.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.drain);
    }
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (let i = 0; i < batch.length; i++) {
      try {
        this.handler(batch[i], this.state);
      } catch {
        this.restarts++;
        this.state = { count: 0 };
      }
    }
  };
}
