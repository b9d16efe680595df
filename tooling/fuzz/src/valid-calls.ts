/**
 * Valid calls per target, as data: arguments that give a value. Near-valid inputs are these with
 * one argument or one field changed. A string `@name` stands for the fixture `name` (fixtures.ts).
 * Keys are target ids; `strategy:<kind>.<method>` serves every strategy of that kind.
 */
export const VALID_CALLS: Readonly<Record<string, readonly (readonly unknown[])[]>> = {
  // core: the multi-agent space
  'core.createMultiAgentSpace': [
    [{ id: 'team', topology: 'ring', resourcePool: { memory: 1024 } }],
  ],
  'core.registerAgent': [['@space', { id: 'tester', behaviour: 'tester', role: 'executor' }]],
  'core.removeAgent': [['@agentsOnly', 'coder']],
  'core.setAgentStatus': [['@space', 'coder', 'inactive']],
  'core.setAgentRole': [['@space', 'coder', 'coordinator']],
  'core.setLocalConfiguration': [['@space', 'coder', { temperature: 0.5 }]],
  'core.addOrchestrationVariable': [['@agentsOnly', '@selection']],
  'core.replaceOrchestrationVariable': [['@space', '@selection']],
  'core.setVariableValue': [['@space', 'team', ['coder']]],
  'core.connectAgents': [['@space', 'planner', 'coder', 'command']],
  'core.disconnectAgents': [['@space', 'planner', 'coder']],
  'core.setTopology': [['@space', 'mesh', { hub: 'planner' }]],
  'core.updateMetrics': [['@space', '@metrics']],
  'core.updateResourcePool': [['@space', { memory: 512, concurrency: 4 }]],
  'core.addScalingPolicy': [
    [
      '@space',
      {
        agent: 'coder',
        metric: 'mailboxDepth',
        scaleUpThreshold: 10,
        scaleDownThreshold: 1,
        maxInstances: 3,
      },
    ],
  ],
  'core.recordAdaptation': [
    [
      '@space',
      {
        id: 'event-2',
        timestamp: 2,
        trigger: 'fault_detected',
        operation: 'x',
        changes: [],
        outcome: 'success',
        performanceImpact: 0,
      },
    ],
  ],
  'core.findAdaptation': [['@space', 'event-1']],
  'core.neighboursOf': [['@graph', 'planner']],
  'core.topologyEdges': [['ring', ['a', 'b', 'c']]],
  // core: variables and spaces
  'core.float': [['temperature', { range: [0, 2], default: 0.7 }]],
  'core.integer': [['maxTokens', { range: [1, 4096], default: 256 }]],
  'core.choice': [['style', { choices: ['terse', 'verbose'] }]],
  'core.boolean': [['useTools', { default: false }]],
  'core.text': [['instructions', { default: 'Answer briefly.' }]],
  'core.createVariableSpace': [['@variables']],
  'core.createVariableSpace().validate': [[{ temperature: 0.5, maxTokens: 10, style: 'terse' }]],
  'core.createVariableSpace().check': [[{ temperature: 0.5, maxTokens: 10, style: 'terse' }]],
  'core.createVariableSpace().sample': [['@random']],
  'core.createVariableSpace().sampleMany': [[3, '@random']],
  'core.agentSelection': [['team', { agents: ['planner', 'coder'] }]],
  'core.checkOrchestrationValue': [['@selection', ['coder']]],
  'core.coordinate': [
    [
      '@selection',
      ['coder'],
      {
        agents: {
          planner: { status: 'active', role: 'coordinator' },
          coder: { status: 'active', role: 'executor' },
        },
      },
    ],
  ],
  'core.adapt': [['@selection', '@metrics']],
  'core.temperature': [[{ default: 0.5 }]],
  'core.maxTokens': [[{ range: [1, 100], default: 50 }]],
  // core: helpers
  'core.createRandom': [[7]],
  'core.createRandom().int': [[1, 6]],
  'core.createRandom().float': [[0, 1]],
  'core.createRandom().pick': [[['a', 'b']]],
  'core.createRandom().pickWeighted': [
    [
      ['a', 'b'],
      [1, 2],
    ],
  ],
  'core.createRandom().shuffle': [[[1, 2, 3]]],
  'core.createManualClock': [[0]],
  'core.createManualClock().advance': [[10]],
  'core.agentRef': [['coder', 'local']],
  'core.parseAgentRef': [['coder@local']],
  'core.formatAgentRef': [[{ id: 'coder', node: 'local' }]],
  'core.byPriority': [[['@directive']]],
  'core.directive': [['coder', 'start', { priority: 10 }]],
  'core.VarplaneError': [[{ code: 'SOME_CODE', message: 'a message' }]],
  'core.createStrategyRegistry().register': [['@strategy']],
};

export function validCallsFor(id: string, fallback?: string): readonly (readonly unknown[])[] {
  return VALID_CALLS[id] ?? (fallback === undefined ? undefined : VALID_CALLS[fallback]) ?? [];
}
