import type { RestartType, SupervisionStrategy } from '@varplane/core';
import { isSupervisorBehaviour } from './child-spec';
import { type AgentRunStatus, type Cell, DEAD, STATUS_NAMES } from './internal/cell';
import { type ChildRecord, isSupervisorState } from './supervisor';

/** One agent in a supervision snapshot. Supervisors carry their strategy and children. */
export interface SupervisionNode {
  id: string;
  behaviour: string;
  kind: 'supervisor' | 'worker';
  status: AgentRunStatus;
  restarts: number;
  errors: number;
  mailboxDepth: number;
  /** How its supervisor restarts it; absent for roots. */
  restart?: RestartType;
  strategy?: SupervisionStrategy;
  children?: SupervisionNode[];
}

/** A plain-data snapshot of the tree under `cell`, safe to keep and serialize. */
export function snapshotCell(cell: Cell, restart?: RestartType): SupervisionNode {
  const node: SupervisionNode = {
    id: cell.id,
    behaviour: cell.behaviour.name,
    kind: 'worker',
    status: STATUS_NAMES[cell.status],
    restarts: cell.restarts,
    errors: cell.errors,
    mailboxDepth: cell.mailSize,
  };
  if (restart !== undefined) node.restart = restart;
  const state = cell.state;
  if (isSupervisorState(state)) {
    node.kind = 'supervisor';
    node.strategy = state.options.strategy;
    node.children = state.records.map(snapshotRecord);
  } else if (isSupervisorBehaviour(cell.behaviour)) {
    // A supervisor between incarnations has no children.
    node.kind = 'supervisor';
    node.children = [];
  }
  return node;
}

function snapshotRecord(record: ChildRecord): SupervisionNode {
  if (record.cell !== null && record.cell.status !== DEAD)
    return snapshotCell(record.cell, record.spec.restart);
  return {
    id: record.spec.id,
    behaviour: record.spec.behaviour.name,
    kind: 'worker',
    status: 'stopped',
    restarts: record.restarts,
    errors: 0,
    mailboxDepth: 0,
    restart: record.spec.restart,
  };
}
