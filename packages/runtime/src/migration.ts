/**
 * Moving an agent: `suspend` it (it finishes the message in hand, then holds its mail), `export`
 * a serializable snapshot (state, mail, names, links, monitors), `adopt` the snapshot where the
 * agent goes (it starts from the state with the mail first), then `release` the original, which
 * forwards the mail that came after the export, in order, and from then on forwards whatever is
 * sent to it. Nothing is lost or handled twice: the snapshot takes the mail before the export,
 * the original keeps only what came after, and calls in the snapshot are answered to their
 * callers wherever the agent now runs.
 */
import { type AgentRef, agentIdSchema, InvalidArgumentError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import type { ActorSystem } from './actor-system';
import { type AnyBehaviour, checkBehaviour } from './behaviour';
import { isSupervisorBehaviour } from './child-spec';
import {
  AgentAlreadyExistsError,
  AgentNotFoundError,
  AgentNotRunningError,
  MigrationError,
  NameTakenError,
} from './errors';
import { CallEnvelope } from './internal/call-envelope';
import { type Cell, DEAD } from './internal/cell';
import type { CallOutcome, Kernel, ReplyAddress } from './internal/kernel';
import { parseOrThrow } from './internal/parse';
import { MAX_TIMEOUT_MS } from './internal/timeouts';

/** A message in a snapshot's mailbox: a cast, or a call whose caller waits at `replyTo`. */
export type SnapshotMessage =
  | { kind: 'cast'; message: unknown }
  | { kind: 'call'; message: unknown; replyTo: ReplyAddress; timeoutMs: number };

/** An agent as `export` gives it: JSON all through, so it can cross a process boundary. */
export interface AgentSnapshot {
  version: 1;
  /** The ref the agent had where it was exported. */
  ref: { id: string; node: string };
  /** The behaviour's name; `adopt` is given the behaviour itself and checks the name. */
  behaviour: string;
  /** The state, through the behaviour's `snapshot` if it has one. */
  state?: unknown;
  mailbox: SnapshotMessage[];
  names: string[];
  /** Agents it is linked to, and the agents it monitors. */
  links: Array<{ id: string; node: string }>;
  monitors: Array<{ id: string; node: string }>;
  trapExits: boolean;
}

const refSchema = z.object({ id: agentIdSchema, node: agentIdSchema });

const snapshotSchema = z.object({
  version: z.literal(1),
  ref: refSchema,
  behaviour: z.string().min(1),
  state: z.unknown().optional(),
  mailbox: z.array(
    z.union([
      z.object({ kind: z.literal('cast'), message: z.unknown() }),
      z.object({
        kind: z.literal('call'),
        message: z.unknown(),
        replyTo: z.object({ node: z.string().min(1), id: z.string().min(1) }),
        timeoutMs: z.number().positive().max(MAX_TIMEOUT_MS),
      }),
    ]),
  ),
  names: z.array(z.string().min(1)),
  links: z.array(refSchema),
  monitors: z.array(refSchema),
  trapExits: z.boolean(),
});

const adoptOptionsSchema = z.object({
  // Checked by checkBehaviour, which remembers the behaviours it has seen.
  behaviour: z.custom<AnyBehaviour>(
    (v) => typeof v === 'object' && v !== null,
    'expected a behaviour',
  ),
  id: agentIdSchema.optional(),
  args: z.unknown().optional(),
});

const replyAddressSchema = z.object({ id: z.string(), node: z.string() });

const callOutcomeSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.unknown() }),
]);

/** Options of `adopt`. */
export interface AdoptOptions {
  /** The behaviour to run; its name must be the snapshot's. */
  behaviour: AnyBehaviour;
  /** The id here (default: the id it had). */
  id?: string;
  /** What `init` gets if the adopted agent crashes and is restarted. */
  args?: unknown;
}

/** Calls that went out in snapshots and wait here for their answers, per kernel. */
interface Replies {
  byId: Map<string, CallEnvelope>;
  byCell: Map<Cell, string[]>;
  seq: number;
}

const repliesOf = new WeakMap<Kernel, Replies>();

function replies(kernel: Kernel): Replies {
  let books = repliesOf.get(kernel);
  if (books === undefined) {
    books = { byId: new Map(), byCell: new Map(), seq: 0 };
    repliesOf.set(kernel, books);
  }
  return books;
}

function forgetReplies(kernel: Kernel, cell: Cell): void {
  const books = repliesOf.get(kernel);
  const ids = books?.byCell.get(cell);
  if (books === undefined || ids === undefined) return;
  for (const id of ids) books.byId.delete(id);
  books.byCell.delete(cell);
}

/** JSON in, JSON out: a deep copy, or a typed refusal naming what cannot be moved. */
function asJson(cell: Cell, what: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw notMovable(cell, `${what} is not JSON-serializable`, cause);
  }
  if (text === undefined) throw notMovable(cell, `${what} is not JSON-serializable`);
  return JSON.parse(text);
}

function notMovable(cell: Cell, why: string, cause?: unknown): MigrationError {
  return new MigrationError(cell.id, {
    code: 'AGENT_NOT_MOVABLE',
    message: `agent ${cell.id} cannot be moved: ${why}`,
    cause,
  });
}

/** Resolves once the agent is between messages and holds its mail. */
export function suspendCell(kernel: Kernel, cell: Cell): Promise<void> {
  if (cell.status === DEAD) return Promise.reject(new AgentNotRunningError(cell.id));
  cell.suspended = true;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = () => {
      done = true;
      resolve();
    };
    if (cell.suspendWaiters === null) cell.suspendWaiters = [finish];
    else cell.suspendWaiters.push(finish);
    const gone = () => {
      if (!done)
        reject(
          new AgentNotRunningError(cell.id, {
            message: `agent ${cell.id} exited before it was suspended`,
          }),
        );
    };
    if (cell.exitWaiters === null) cell.exitWaiters = [gone];
    else cell.exitWaiters.push(gone);
    // Between messages now (or after the one in hand): see the kernel's `afterStep`.
    kernel.request(cell);
  });
}

/** Handles mail again; a snapshot exported meanwhile must not be adopted. */
export function resumeCell(kernel: Kernel, cell: Cell): void {
  if (!cell.suspended) return;
  cell.suspended = false;
  cell.exported = -1;
  forgetReplies(kernel, cell);
  kernel.afterStep(cell);
}

export function exportCell(kernel: Kernel, cell: Cell): AgentSnapshot {
  if (!cell.suspended || cell.busy || cell.suspendWaiters !== null) {
    throw new MigrationError(cell.id, {
      code: 'AGENT_NOT_SUSPENDED',
      message: `export: agent ${cell.id} is not suspended (await suspend first)`,
    });
  }
  if (isSupervisorBehaviour(cell.behaviour) || (cell.children?.length ?? 0) > 0) {
    throw notMovable(cell, 'it supervises other agents');
  }
  const behaviour = cell.behaviour;
  let data: unknown = cell.state;
  if (behaviour.snapshot !== undefined) {
    try {
      data = behaviour.snapshot(cell.state);
    } catch (cause) {
      throw notMovable(cell, 'its behaviour.snapshot threw', cause);
    }
  }
  const state = asJson(cell, 'its state', data);
  forgetReplies(kernel, cell);
  const books = replies(kernel);
  const mail = cell.peekAll();
  const now = kernel.clock.now();
  const mailbox: SnapshotMessage[] = [];
  const calls: Array<[string, CallEnvelope]> = [];
  for (const [index, entry] of mail.entries()) {
    // A tracked cast (at-least-once) stays behind: `release` passes it on to the new node's
    // durable queue, so it is acknowledged only once stored there, never lost with the snapshot.
    if (entry instanceof CallEnvelope && entry.cast) continue;
    if (!(entry instanceof CallEnvelope)) {
      mailbox.push({ kind: 'cast', message: asJson(cell, `message ${index}`, entry) });
      continue;
    }
    const id = `${cell.id}#${++books.seq}`;
    mailbox.push({
      kind: 'call',
      message: asJson(cell, `call ${index}`, entry.message),
      replyTo: { node: kernel.node, id },
      timeoutMs: Math.max(1, entry.deadline - now),
    });
    calls.push([id, entry]);
  }
  // Registered only once the whole snapshot is made: a refusal above leaves nothing behind.
  for (const [id, envelope] of calls) books.byId.set(id, envelope);
  const tokens = calls.map(([id]) => id);
  if (tokens.length > 0) books.byCell.set(cell, tokens);
  cell.exported = mail.length;
  const plain = (c: Cell) => ({ id: c.id, node: kernel.node });
  const monitors: Array<{ id: string; node: string }> = [];
  for (const id of cell.watching ?? []) {
    const target = kernel.exits.targetOf(id);
    if (target !== undefined) monitors.push(plain(target));
  }
  const snapshot: AgentSnapshot = {
    version: 1,
    ref: { id: cell.id, node: kernel.node },
    behaviour: behaviour.name,
    mailbox,
    names: [...kernel.registry.namesOf(cell.id)],
    links: (cell.links ?? []).map(plain),
    monitors,
    trapExits: cell.trapExits,
  };
  if (state !== undefined) snapshot.state = state;
  return snapshot;
}

/** Settles a call that went out in a snapshot. False when no such call waits here. */
export function answerCall(kernel: Kernel, to: ReplyAddress, outcome: CallOutcome): boolean {
  const books = repliesOf.get(kernel);
  const envelope = books?.byId.get(to.id);
  if (books === undefined || envelope === undefined) return false;
  books.byId.delete(to.id);
  return outcome.ok ? envelope.resolve(outcome.value) : envelope.reject(outcome.error);
}

function invalidSnapshot(id: string, message: string, cause?: unknown): MigrationError {
  return new MigrationError(id, { code: 'SNAPSHOT_INVALID', message, cause });
}

export function adoptSnapshot(kernel: Kernel, input: unknown, options: AdoptOptions): Cell {
  const snapshot = parseOrThrow(snapshotSchema, input, {
    code: 'SNAPSHOT_INVALID',
    subject: 'adopt: not an agent snapshot',
    prefix: 'snapshot',
    error: ({ message, issues }) =>
      invalidSnapshot(
        '?',
        message,
        new InvalidArgumentError({ code: 'INVALID_ARGUMENT', message, issues }),
      ),
  }) as AgentSnapshot;
  const behaviour = checkBehaviour(options.behaviour, 'adopt: behaviour');
  const id = options.id ?? snapshot.ref.id;
  if (behaviour.name !== snapshot.behaviour) {
    throw invalidSnapshot(
      id,
      `adopt: the snapshot is of behaviour ${snapshot.behaviour}, not ${behaviour.name}`,
    );
  }
  if (kernel.cells.has(id)) throw new AgentAlreadyExistsError(id);
  // Names: free ones are taken now; those the original still holds here move at its release.
  const original =
    snapshot.ref.node === kernel.node ? kernel.cells.get(snapshot.ref.id) : undefined;
  const names: string[] = [];
  for (const name of snapshot.names) {
    const holder = kernel.registry.whereis(name);
    if (holder === undefined) names.push(name);
    else if (original === undefined || holder.id !== original.id) {
      throw new NameTakenError(name, holder.id);
    }
  }
  let state: unknown = snapshot.state;
  if (behaviour.restore !== undefined) {
    try {
      state = behaviour.restore(snapshot.state);
    } catch (cause) {
      throw invalidSnapshot(id, `adopt: ${behaviour.name}.restore threw`, cause);
    }
  }
  const mail = snapshot.mailbox.map((entry) =>
    entry.kind === 'cast' ? entry.message : answeredAt(kernel, id, entry),
  );
  const cell = kernel.spawn(behaviour, options.args, {
    id,
    trapExits: snapshot.trapExits,
    restored: { state, mail },
  });
  for (const name of names) kernel.registry.register(name, cell.ref);
  const here = (ref: { id: string; node: string }) => {
    const peer = ref.node === kernel.node ? kernel.cells.get(ref.id) : kernel.movedHere(ref);
    return peer !== undefined && peer.status !== DEAD && peer !== original ? peer : undefined;
  };
  for (const ref of snapshot.links) {
    const peer = here(ref);
    if (peer !== undefined) kernel.exits.link(cell, peer);
  }
  for (const ref of snapshot.monitors) {
    const peer = here(ref);
    if (peer !== undefined) kernel.exits.monitor(cell, peer);
  }
  if (snapshot.ref.node !== kernel.node) {
    kernel.movedIn ??= new Map();
    kernel.movedIn.set(`${snapshot.ref.node}\u0000${snapshot.ref.id}`, cell);
  }
  return cell;
}

/** A call from a snapshot: handled here, answered to its caller wherever it waits. */
function answeredAt(
  kernel: Kernel,
  id: string,
  entry: Extract<SnapshotMessage, { kind: 'call' }>,
): CallEnvelope {
  const back = (outcome: CallOutcome) => {
    if (entry.replyTo.node === kernel.node) answerCall(kernel, entry.replyTo, outcome);
    else kernel.transport?.answer?.(entry.replyTo, outcome);
  };
  const envelope = new CallEnvelope(
    id,
    entry.message,
    (value) => back({ ok: true, value }),
    (error) => back({ ok: false, error }),
  );
  // Past its deadline the caller has given up: nothing more to send it.
  envelope.arm(kernel.deadlines, entry.timeoutMs);
  return envelope;
}

/**
 * Ends the original after its snapshot was adopted: the mail that came after the export goes to
 * `forwardTo` in order, its names and watchers follow when `forwardTo` is here, and what is sent
 * to it from now on is forwarded.
 */
export function releaseCell(kernel: Kernel, cell: Cell, forwardTo: AgentRef): void {
  if (!cell.suspended || cell.exported < 0) {
    throw new MigrationError(cell.id, {
      code: 'AGENT_NOT_SUSPENDED',
      message: `release: agent ${cell.id} has not been suspended and exported`,
    });
  }
  const target =
    forwardTo.node === kernel.node ? kernel.lookup(forwardTo) : kernel.movedHere(forwardTo);
  const local = target !== undefined && target.status !== DEAD ? target : undefined;
  if (local === cell)
    throw new MigrationError(cell.id, {
      code: 'AGENT_NOT_MOVABLE',
      message: `release: agent ${cell.id} cannot forward to itself`,
    });
  if (local === undefined && forwardTo.node === kernel.node)
    throw new AgentNotFoundError(forwardTo.id);
  // The exported head lives on in the snapshot (its calls wait in the reply books), apart from
  // tracked casts, which follow with the mail that came later.
  const mail = cell.drain();
  const held = [
    ...mail.slice(0, cell.exported).filter((m) => m instanceof CallEnvelope && m.cast),
    ...mail.slice(cell.exported),
  ];
  cell.exported = -1;
  const books = repliesOf.get(kernel);
  books?.byCell.delete(cell);
  for (const message of held) {
    if (message instanceof CallEnvelope && message.cast) {
      if (local !== undefined) kernel.enqueue(local, message);
      else if (kernel.transport?.sendAtLeastOnce !== undefined) {
        kernel.transport.sendAtLeastOnce(forwardTo, message.message).then(
          () => message.resolve(undefined),
          (error: unknown) => message.reject(error),
        );
      } else message.reject(new AgentNotFoundError(`${forwardTo.id}@${forwardTo.node}`));
    } else if (!(message instanceof CallEnvelope)) {
      kernel.send(local?.ref ?? forwardTo, message);
    } else if (local !== undefined) {
      kernel.enqueue(local, message);
    } else if (kernel.transport !== undefined) {
      // The envelope keeps its deadline here, so the caller is answered even if the far side is not.
      const remaining = Math.max(1, message.deadline - kernel.clock.now());
      kernel.transport.call(forwardTo, message.message, remaining).then(
        (value) => message.resolve(value),
        (error: unknown) => message.reject(error),
      );
    } else {
      message.reject(new AgentNotFoundError(`${forwardTo.id}@${forwardTo.node}`));
    }
  }
  for (const name of [...kernel.registry.namesOf(cell.id)]) {
    kernel.registry.unregister(name);
    if (local !== undefined && kernel.registry.whereis(name) === undefined) {
      kernel.registry.register(name, local.ref);
    }
  }
  // A move, not a death: links and the monitors it held were re-made by adopt; its watchers
  // follow it when it stays in this system (elsewhere they hear it exited `normal`).
  for (const other of [...(cell.links ?? [])]) kernel.exits.unlink(cell, other);
  for (const id of [...(cell.watching ?? [])]) kernel.exits.demonitor(id);
  if (local !== undefined) kernel.exits.transferMonitors(cell, local);
  kernel.forwards ??= new Map();
  kernel.forwards.set(cell.id, local?.ref ?? { id: forwardTo.id, node: forwardTo.node });
  kernel.exits.detach(cell);
  kernel.exits.retire(cell, 'normal');
}

/** The system's `suspend`, `resume`, `export`, `adopt`, `release` and `answer`. */
export function movingMethods(
  kernel: Kernel,
  require: (to: AgentRef | string, operation: string) => Cell,
): Pick<ActorSystem, 'suspend' | 'resume' | 'export' | 'adopt' | 'release' | 'answer'> {
  return {
    suspend(to) {
      try {
        return suspendCell(kernel, require(to, 'suspend'));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    resume: (to) => resumeCell(kernel, require(to, 'resume')),
    export: (to) => exportCell(kernel, require(to, 'export')),
    adopt(snapshot, options) {
      const checked = parseOrThrow(adoptOptionsSchema, options, {
        code: 'INVALID_ARGUMENT',
        subject: 'adopt',
        prefix: 'options',
      }) as AdoptOptions;
      return adoptSnapshot(kernel, snapshot, checked).ref;
    },
    release(to, forwardTo) {
      const cell = require(to, 'release');
      const target =
        typeof forwardTo === 'string' ? require(forwardTo, 'release: forwardTo').ref : forwardTo;
      if (!refSchema.safeParse(target).success) {
        throw new InvalidArgumentError({
          code: 'INVALID_ARGUMENT',
          message: `release: forwardTo must be an agent ref or id (got ${describeValue(forwardTo)})`,
          issues: [{ path: 'forwardTo', message: 'expected an agent ref or id', value: forwardTo }],
        });
      }
      releaseCell(kernel, cell, target);
    },
    answer(to, outcome) {
      const address = parseOrThrow(replyAddressSchema, to, {
        code: 'INVALID_ARGUMENT',
        subject: 'answer',
        prefix: 'to',
      });
      const settled = parseOrThrow(callOutcomeSchema, outcome, {
        code: 'INVALID_ARGUMENT',
        subject: 'answer',
        prefix: 'outcome',
      }) as CallOutcome;
      return answerCall(kernel, address, settled);
    },
  };
}
