import type { Entry, RaftNode, RaftStateMachine } from '@varplane/consensus-raft';
import { VarplaneError } from '@varplane/core';
import { z } from 'zod';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';

/** Tokens and cost: what a team may spend. */
export interface Amounts {
  readonly tokens: number;
  readonly cost: number;
}

/** One node's account in a team's book: what it was granted and what it gave back, in all. */
export interface BudgetAccount {
  readonly granted: Amounts;
  readonly returned: Amounts;
}

/** A team's budget as committed: its total and every node's escrowed slices. */
export interface BudgetState {
  readonly total: Amounts | undefined;
  readonly accounts: ReadonlyMap<string, BudgetAccount>;
  /** What no node holds or has used: `total` minus every grant plus every return. */
  readonly free: Amounts;
}

/**
 * The books of a team's budget, kept by consensus: nodes take slices of the total in escrow
 * (`acquire`), spend them locally, and give back what they did not use (`giveBack`). A slice is
 * granted only out of what no node holds, so the slices never add up to more than the total.
 */
export interface BudgetBook {
  /** Sets the team's total once; later calls leave it as committed and resolve with it. */
  fund(team: string, total: Amounts): Promise<Amounts>;
  /** Grants `node` up to `want` out of the free budget (possibly less, possibly nothing). */
  acquire(team: string, node: string, want: Amounts): Promise<Amounts>;
  /** Gives back part of what `node` holds (at most what it holds); resolves with what was taken. */
  giveBack(team: string, node: string, amounts: Amounts): Promise<Amounts>;
  /** The team's books as this node has applied them. */
  state(team: string): BudgetState;
}

type BudgetCommand =
  | { op: 'fund'; team: string; tokens: number; cost: number }
  | { op: 'acquire'; team: string; node: string; tokens: number; cost: number }
  | { op: 'give-back'; team: string; node: string; tokens: number; cost: number };

const amount = z.number().min(0).max(Number.MAX_SAFE_INTEGER);
const commandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('fund'), team: z.string(), tokens: amount, cost: amount }),
  z.object({
    op: z.literal('acquire'),
    team: z.string(),
    node: z.string(),
    tokens: amount,
    cost: amount,
  }),
  z.object({
    op: z.literal('give-back'),
    team: z.string(),
    node: z.string(),
    tokens: amount,
    cost: amount,
  }),
]);
const amountsSchema = z.object({ tokens: amount, cost: amount });
const idSchema = z.string().min(1).max(1_024);

const ZERO: Amounts = { tokens: 0, cost: 0 };

/** The books, as pure state: every replica applies the same commands in one order. */
export class BudgetLedgerState {
  private readonly teams = new Map<
    string,
    { total: Amounts | undefined; accounts: Map<string, BudgetAccount> }
  >();

  private team(id: string) {
    let team = this.teams.get(id);
    if (team === undefined) {
      team = { total: undefined, accounts: new Map() };
      this.teams.set(id, team);
    }
    return team;
  }

  state(id: string): BudgetState {
    const team = this.teams.get(id);
    const accounts = new Map(team?.accounts ?? []);
    let held = ZERO;
    for (const account of accounts.values()) {
      held = add(held, subtract(account.granted, account.returned));
    }
    const total = team?.total;
    return {
      total,
      accounts,
      free: total === undefined ? ZERO : clampZero(subtract(total, held)),
    };
  }

  /** Applies one command; resolves to what the caller learns (the total, a grant, a return). */
  apply(command: BudgetCommand): Amounts {
    const team = this.team(command.team);
    if (command.op === 'fund') {
      team.total ??= { tokens: command.tokens, cost: command.cost };
      return team.total;
    }
    const account = team.accounts.get(command.node) ?? { granted: ZERO, returned: ZERO };
    if (command.op === 'acquire') {
      const free = this.state(command.team).free;
      const grant = {
        tokens: Math.min(command.tokens, free.tokens),
        cost: Math.min(command.cost, free.cost),
      };
      team.accounts.set(command.node, { ...account, granted: add(account.granted, grant) });
      return grant;
    }
    const holds = subtract(account.granted, account.returned);
    const back = {
      tokens: Math.min(command.tokens, Math.max(0, holds.tokens)),
      cost: Math.min(command.cost, Math.max(0, holds.cost)),
    };
    team.accounts.set(command.node, { ...account, returned: add(account.returned, back) });
    return back;
  }

  toJSON(): unknown {
    return [...this.teams].map(([id, team]) => [id, team.total ?? null, [...team.accounts]]);
  }

  restore(value: unknown): void {
    this.teams.clear();
    for (const [id, total, accounts] of value as Array<
      [string, Amounts | null, Array<[string, BudgetAccount]>]
    >) {
      this.teams.set(id, { total: total ?? undefined, accounts: new Map(accounts) });
    }
  }
}

/** A budget book on the embedded Raft: pass `stateMachine` to `startRaftNode`, then `connect`. */
export interface RaftBudgetBook extends BudgetBook {
  readonly stateMachine: RaftStateMachine;
  connect(raft: RaftNode): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Marks a log entry as a budget command, so the log can be shared with other state machines. */
const TAG = 'vp-budget';

const isStateMachine = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  ['apply', 'snapshot', 'restore'].every(
    (key) => typeof (value as Record<string, unknown>)[key] === 'function',
  );
const bookOptionsSchema = z.strictObject({
  others: z
    .custom<RaftStateMachine>(
      isStateMachine,
      'must be a Raft state machine (apply, snapshot, restore)',
    )
    .optional(),
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
});

/**
 * A budget book whose every grant and return is one Raft log entry, applied on every voter in
 * log order: a grant is decided when applied, out of what is free then, so two nodes asking at
 * once can never both be granted the same tokens. Entries that are not budget commands go to
 * `others` (the control plane, the replicated variables), so it shares a log with them.
 *
 * @example
 * const book = createRaftBudgetBook({ others: control.stateMachine });
 * const raft = await startRaftNode({ ...options, stateMachine: book.stateMachine });
 * book.connect(raft);
 * await book.fund('team', { tokens: 100_000, cost: 50 });
 */
export function createRaftBudgetBook(
  options: { others?: RaftStateMachine; timeoutMs?: number } = {},
): RaftBudgetBook {
  const parsed = parseArgument(bookOptionsSchema, options, 'createRaftBudgetBook');
  const timeoutMs = parsed.timeoutMs ?? 5_000;
  const others = parsed.others as RaftStateMachine | undefined;
  const books = new BudgetLedgerState();
  let raft: RaftNode | undefined;

  const stateMachine: RaftStateMachine = {
    apply(entry: Entry) {
      const command = decodeCommand(entry.data);
      if (command === undefined) return others?.apply(entry);
      return books.apply(command);
    },
    async snapshot() {
      const theirs = others ? Buffer.from(await others.snapshot()).toString('base64') : null;
      return encoder.encode(JSON.stringify({ budget: books.toJSON(), others: theirs }));
    },
    async restore(data) {
      const value = JSON.parse(decoder.decode(data)) as { budget: unknown; others: string | null };
      books.restore(value.budget);
      if (others && value.others !== null) {
        await others.restore(new Uint8Array(Buffer.from(value.others, 'base64')));
      }
    },
  };

  const write = async (command: BudgetCommand, what: string): Promise<Amounts> => {
    if (raft === undefined) {
      throw new ClusterError({
        code: 'CLUSTER_INVALID_ARGUMENT',
        message: `${what}: connect(raft) first`,
      });
    }
    try {
      const applied = await raft.propose(encoder.encode(JSON.stringify({ [TAG]: command })), {
        timeoutMs,
      });
      return applied.result as Amounts;
    } catch (cause) {
      const code = VarplaneError.isInstance(cause) ? cause.code : 'UNKNOWN';
      throw new ClusterError({
        code: 'CLUSTER_CONTROL_UNAVAILABLE',
        message: `${what}: the budget book did not confirm the change (${code}); it may still commit`,
        cause,
      });
    }
  };

  return {
    stateMachine,
    connect(next) {
      raft = next;
    },
    async fund(team, total) {
      const t = parseArgument(idSchema, team, 'fund: team');
      const a = parseArgument(amountsSchema, total, 'fund: total');
      return write({ op: 'fund', team: t, ...a }, 'fund');
    },
    async acquire(team, node, want) {
      const t = parseArgument(idSchema, team, 'acquire: team');
      const n = parseArgument(idSchema, node, 'acquire: node');
      const a = parseArgument(amountsSchema, want, 'acquire: want');
      return write({ op: 'acquire', team: t, node: n, ...a }, 'acquire');
    },
    async giveBack(team, node, amounts) {
      const t = parseArgument(idSchema, team, 'giveBack: team');
      const n = parseArgument(idSchema, node, 'giveBack: node');
      const a = parseArgument(amountsSchema, amounts, 'giveBack: amounts');
      return write({ op: 'give-back', team: t, node: n, ...a }, 'giveBack');
    },
    state: (team) => books.state(parseArgument(idSchema, team, 'state: team')),
  };
}

function decodeCommand(data: Uint8Array): BudgetCommand | undefined {
  if (data.byteLength === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, TAG)) return undefined;
  const parsed = commandSchema.safeParse((value as Record<string, unknown>)[TAG]);
  return parsed.success ? parsed.data : undefined;
}

export function add(a: Amounts, b: Amounts): Amounts {
  return { tokens: a.tokens + b.tokens, cost: a.cost + b.cost };
}

export function subtract(a: Amounts, b: Amounts): Amounts {
  return { tokens: a.tokens - b.tokens, cost: a.cost - b.cost };
}

function clampZero(a: Amounts): Amounts {
  return { tokens: Math.max(0, a.tokens), cost: Math.max(0, a.cost) };
}
