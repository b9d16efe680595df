import type { ErrorInfo, RuntimeEvent } from '@varplane/core';

/** A runtime event as a line of the dashboard's feed. */
export interface RuntimeFeedLine {
  readonly type: RuntimeEvent['type'];
  readonly agent?: string;
  readonly tone: 'crit' | 'warn' | 'info';
  readonly text: string;
  /** Events of one kind merged into this line (a storm of overflows is one line). */
  readonly count: number;
}

const describe = (error: ErrorInfo) =>
  `${error.code ?? error.name}: ${error.message}`.slice(0, 500);

/**
 * What a runtime event says to someone watching the team: crashes with their reasons, restarts,
 * stops, scaling, overflows, budgets, failed directives, escalations, rewiring and rerouted mail.
 * Routine events (starts, stats, applied directives, adaptations, which have their own timeline)
 * make no line.
 */
export function runtimeFeedLine(event: RuntimeEvent): RuntimeFeedLine | undefined {
  const line = (tone: RuntimeFeedLine['tone'], text: string, agent?: string): RuntimeFeedLine => ({
    type: event.type,
    ...(agent === undefined ? {} : { agent }),
    tone,
    text,
    count: 1,
  });
  switch (event.type) {
    case 'agent-crashed':
      return line('crit', `${event.agent} crashed: ${describe(event.error)}`, event.agent);
    case 'agent-restarted':
      return line(
        'warn',
        `${event.agent} restarted (restart ${event.restarts}, after ${event.delayMs} ms)`,
        event.agent,
      );
    case 'agent-resumed':
      return line(
        'warn',
        `${event.agent} resumed after ${describe(event.error)}; state kept`,
        event.agent,
      );
    case 'agent-stopped': {
      const reason = event.reason;
      if (typeof reason === 'object') {
        return line('crit', `${event.agent} stopped: ${describe(reason.error)}`, event.agent);
      }
      return line('info', `${event.agent} stopped (${reason})`, event.agent);
    }
    case 'agent-swapped':
      return line('info', `${event.agent} now runs ${event.behaviour}`, event.agent);
    case 'agent-scaled':
      return line(
        'info',
        `${event.agent} scaled from ${event.previous} to ${event.instances} instances`,
        event.agent,
      );
    case 'supervisor-escalated':
      return line(
        'crit',
        `supervisor ${event.supervisor} gave up: ${describe(event.reason)}`,
        event.supervisor,
      );
    case 'mailbox-overflowed':
      return line(
        'warn',
        `${event.agent}'s mailbox is full: ${event.dropped} message${event.dropped === 1 ? '' : 's'} ${event.policy === 'reject' ? 'refused' : 'dropped'}`,
        event.agent,
      );
    case 'budget-exhausted':
      return line(
        'warn',
        `${event.agent} is out of ${event.resource}: asked ${event.requested}, ${event.available} left`,
        event.agent,
      );
    case 'directive-failed':
      return line(
        'crit',
        `directive ${event.directive.action} for ${event.directive.agent} failed: ${describe(event.error)}`,
        event.directive.agent,
      );
    case 'topology-changed':
      return line('info', `topology changed to ${event.topology} (${event.edges} edges)`);
    case 'mail-rerouted':
      return line(
        'warn',
        `${event.count} message${event.count === 1 ? '' : 's'} of ${event.agent} rerouted to ${event.to}`,
        event.agent,
      );
    case 'mail-dead-lettered':
      return line(
        'crit',
        `${event.messages.length} message${event.messages.length === 1 ? '' : 's'} of ${event.agent} had nowhere to go (dead-lettered)`,
        event.agent,
      );
    case 'space-stopped':
      return line('info', `space ${event.spaceId} stopped`);
    default:
      return undefined;
  }
}
