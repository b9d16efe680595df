import type { ConfChange, ConfChangeSingle, ConfState, NodeId } from '../messages';
import { isJoint } from './quorum';

/** A membership change that cannot apply to the current configuration, and why. */
export class ConfChangeRefusal {
  constructor(readonly reason: string) {}
}

/**
 * The configuration after `change`, or a refusal. A change with one voter difference or none
 * applies directly; more, or an explicit joint transition, enters a joint configuration; an empty
 * change during a joint configuration leaves it.
 */
export function applyConfChange(
  conf: ConfState,
  change: ConfChange,
): ConfState | ConfChangeRefusal {
  const transition = change.transition ?? 'auto';
  if (isJoint(conf)) {
    if (change.changes.length > 0) {
      return new ConfChangeRefusal('a joint configuration must be left before another change');
    }
    return leaveJoint(conf);
  }
  if (transition === 'auto' && change.changes.length <= 1) return simple(conf, change.changes);
  return enterJoint(conf, change.changes, transition !== 'joint-explicit');
}

/** True when `change` would leave a joint configuration. */
export function leavesJoint(change: ConfChange): boolean {
  return change.changes.length === 0;
}

function simple(
  conf: ConfState,
  changes: readonly ConfChangeSingle[],
): ConfState | ConfChangeRefusal {
  const next = applyChanges(conf, changes, false);
  if (next instanceof ConfChangeRefusal) return next;
  const before = new Set(conf.voters);
  const after = new Set(next.voters);
  let difference = 0;
  for (const id of before) if (!after.has(id)) difference += 1;
  for (const id of after) if (!before.has(id)) difference += 1;
  if (difference > 1) {
    return new ConfChangeRefusal('more than one voter changed; use a joint configuration');
  }
  return next;
}

function enterJoint(
  conf: ConfState,
  changes: readonly ConfChangeSingle[],
  autoLeave: boolean,
): ConfState | ConfChangeRefusal {
  if (conf.voters.length === 0) {
    return new ConfChangeRefusal('cannot enter a joint configuration from no voters');
  }
  const outgoing = { ...conf, votersOutgoing: [...conf.voters] };
  const next = applyChanges(outgoing, changes, true);
  if (next instanceof ConfChangeRefusal) return next;
  return { ...next, autoLeave };
}

function leaveJoint(conf: ConfState): ConfState {
  const learners = [...new Set([...conf.learners, ...conf.learnersNext])];
  return {
    voters: [...conf.voters],
    learners,
    votersOutgoing: [],
    learnersNext: [],
    autoLeave: false,
  };
}

function applyChanges(
  conf: ConfState,
  changes: readonly ConfChangeSingle[],
  joint: boolean,
): ConfState | ConfChangeRefusal {
  const voters = new Set(conf.voters);
  const learners = new Set(conf.learners);
  const learnersNext = new Set(conf.learnersNext);
  const outgoing = new Set(conf.votersOutgoing);
  for (const change of changes) {
    const id: NodeId = change.node;
    if (change.type === 'add-voter') {
      learners.delete(id);
      learnersNext.delete(id);
      voters.add(id);
    } else if (change.type === 'add-learner') {
      voters.delete(id);
      learners.delete(id);
      learnersNext.delete(id);
      // A voter of the outgoing half keeps voting until the joint configuration is left.
      if (joint && outgoing.has(id)) learnersNext.add(id);
      else learners.add(id);
    } else if (change.type === 'remove-node') {
      voters.delete(id);
      learners.delete(id);
      learnersNext.delete(id);
    } else {
      return new ConfChangeRefusal(`unknown change type ${JSON.stringify(change.type)}`);
    }
  }
  if (voters.size === 0) return new ConfChangeRefusal('the configuration would have no voters');
  return {
    voters: [...voters],
    learners: [...learners],
    votersOutgoing: [...outgoing],
    learnersNext: [...learnersNext],
    autoLeave: conf.autoLeave,
  };
}
