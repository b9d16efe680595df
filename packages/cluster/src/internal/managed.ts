import type { ActorSystem } from '@varplane/runtime';
import type { AgentHost } from '../agent-host';
import type { ControlPlane } from '../control-plane';
import type { NodeTransport } from '../nats-remote-transport';
import type { Hosting } from './hosting';

/** What a cluster node with a control plane keeps for `migrateAgent`, by its actor system. */
export interface Managed {
  readonly control: ControlPlane;
  readonly host: AgentHost;
  readonly transport: NodeTransport;
  readonly hosting: Hosting;
}

const bySystem = new WeakMap<ActorSystem, Managed>();

export function registerManaged(system: ActorSystem, managed: Managed): void {
  bySystem.set(system, managed);
}

export function managedOf(system: ActorSystem): Managed | undefined {
  return bySystem.get(system);
}
