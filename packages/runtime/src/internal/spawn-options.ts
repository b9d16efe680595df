import type { SpawnOptions } from '../behaviour';
import type { CellOptions } from './kernel';

/** Spawn options (already validated) as the kernel takes them. */
export function toCellOptions(
  options: (Omit<SpawnOptions, 'id' | 'link'> & { id?: string }) | undefined,
): CellOptions {
  const out: CellOptions = {};
  if (options === undefined) return out;
  if (options.id !== undefined) out.id = options.id;
  if (options.name !== undefined) out.name = options.name;
  if (options.cpuWeight !== undefined) out.cpuWeight = options.cpuWeight;
  if (options.networkPriority === 'high' || options.networkPriority === 'critical')
    out.urgent = true;
  if (options.mailbox !== undefined) {
    out.capacity = options.mailbox.capacity;
    out.overflow = options.mailbox.overflow ?? 'reject';
  }
  if (options.resources !== undefined) out.resources = options.resources;
  if (options.trapExits !== undefined) out.trapExits = options.trapExits;
  if (options.countSent !== undefined) out.countSent = options.countSent;
  return out;
}
